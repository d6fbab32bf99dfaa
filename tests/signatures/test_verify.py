"""The public verification page: a PDF's fingerprint against the agency's signed documents."""

from __future__ import annotations

import io

from sqlalchemy import text

from bbp.extensions import db
from bbp.signatures.services import load_file
from tests.portal.conftest import inside
from tests.signatures.conftest import fetch, verify_and_consent


def _check(visitor, data: bytes, name: str = "signed.pdf"):
    visitor.get("/verify")
    return visitor.post(
        "/verify", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _signed(visit, app, tenant, sent) -> tuple[int, bytes]:
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    return request_id, signer.client.get(
        f"{path}/document.pdf", base_url=signer.base_url
    ).get_data()


def test_an_unaltered_signed_pdf_verifies(visit, app, tenant, sent):
    request_id, pdf = _signed(visit, app, tenant, sent)
    response = _check(visit(tenant), pdf)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-verdict="signed"' in body
    assert "signed by Rosa Reyes" in body
    assert fetch(app, tenant, request_id).signed_sha256 in body


def test_a_changed_byte_does_not_verify(visit, app, tenant, sent):
    _, pdf = _signed(visit, app, tenant, sent)
    altered = pdf.replace(b"Rosa Reyes", b"Rosa Reyez", 1)
    assert altered != pdf
    body = _check(visit(tenant), altered).get_data(as_text=True)
    assert 'data-verdict="unknown"' in body


def test_the_unsigned_original_is_recognised_as_unsigned(visit, app, tenant, sent):
    request_id, _ = sent

    with inside(app, tenant):
        original = load_file(fetch(app, tenant, request_id).document_key)
    body = _check(visit(tenant), original).get_data(as_text=True)
    assert 'data-verdict="unsigned_original"' in body


def test_a_pdf_signed_with_another_agency_does_not_verify_here(
    visit, app, tenant, other_tenant, sent
):
    _, pdf = _signed(visit, app, tenant, sent)
    body = _check(visit(other_tenant), pdf).get_data(as_text=True)
    assert 'data-verdict="unknown"' in body
    assert "Rosa" not in body and "Alpha Bail Bonds" not in body


def test_an_edited_evidence_row_makes_verification_fail(visit, app, tenant, sent):
    request_id, pdf = _signed(visit, app, tenant, sent)
    with inside(app, tenant):
        db.session.execute(
            text(
                "UPDATE signature_events SET data = jsonb_set(data, '{verified_by}', '\"someone\"') "
                "WHERE request_id = :id AND kind = 'signed'"
            ),
            {"id": request_id},
        )
        db.session.commit()
    body = _check(visit(tenant), pdf).get_data(as_text=True)
    assert 'data-verdict="tampered_evidence"' in body
    assert 'data-verdict="signed"' not in body


def test_no_file_or_an_empty_file_gets_a_message(visit, tenant):
    visitor = visit(tenant)
    visitor.get("/verify")
    missing = visitor.post("/verify", {}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "Choose the PDF file to check" in missing.get_data(as_text=True)
    assert _check(visitor, b"").status_code == 422
