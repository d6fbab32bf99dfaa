"""Requested documents: asking, cancelling, receiving uploads, downloading, and isolation."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.documents import requested
from bbp.documents.models import DocumentRequest
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from tests.documents.conftest import full_bond, inside
from tests.support import add_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def ask(owner, kind: str, person_id: int, htmx: bool = True, **form):
    path = f"/documents/requests/{kind}/{person_id}"
    owner.get(path)
    return owner.post(path, {"doc_type": "photo_id", "note": "", "bond_id": ""} | form, htmx=htmx)


def items(app, agency) -> list[DocumentRequest]:
    with inside(app, agency):
        found = list(db.session.scalars(select(DocumentRequest).order_by(DocumentRequest.id)))
        for item in found:
            db.session.expunge(item)
        return found


def test_staff_ask_a_cosigner_for_a_document_and_the_widget_replaces_itself(app, owner, tenant):
    ids = full_bond(app, tenant)
    response = ask(
        owner,
        "cosigners",
        ids["cosigner"],
        doc_type="proof_of_income",
        note="Last two pay stubs",
        bond_id=str(ids["bond"]),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="documents"' in body and "Proof of income" in body and "Last two pay stubs" in body
    assert "Waiting" in body
    [item] = items(app, tenant)
    assert (item.indemnitor_id, item.defendant_id, item.bond_id) == (
        ids["cosigner"],
        None,
        ids["bond"],
    )
    assert item.status == "requested"


def test_without_htmx_the_request_goes_back_to_the_persons_page(app, owner, tenant):
    ids = full_bond(app, tenant)
    response = ask(owner, "defendants", ids["defendant"], htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/defendants/{ids['defendant']}#documents")
    page = owner.get(f"/documents/requests/defendants/{ids['defendant']}").get_data(as_text=True)
    assert "<html" in page and "Photo ID" in page and "Carlos Lopez" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"doc_type": ""}, "Choose which document you need."),
        ({"doc_type": "tax_return"}, "Choose which document you need."),
        ({"bond_id": "999999"}, "Choose one of their bonds."),
        ({"note": "x" * 501}, "Field cannot be longer than 500 characters."),
    ],
)
def test_bad_requests_are_422_next_to_the_field(app, owner, tenant, form, message):
    ids = full_bond(app, tenant)
    response = ask(owner, "defendants", ids["defendant"], **({"note": "Front and back"} | form))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and "field-error" in body
    if "note" not in form:
        assert "Front and back</textarea>" in body
    assert items(app, tenant) == []


def test_a_request_cannot_name_someone_elses_bond(app, tenant):
    mine, theirs = full_bond(app, tenant), full_bond(app, tenant, number="B-2026-0099")
    owner = add_user(app, tenant.info, "agent")
    with inside(app, tenant), pytest.raises(DomainError, match="not on that bond"):
        requested.request_document(
            db.session.get(Defendant, mine["defendant"]),
            "photo_id",
            "",
            db.session.get(Bond, theirs["bond"]),
            owner,
        )


def test_cancelling_an_open_request(app, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    [item] = items(app, tenant)
    response = owner.post(f"/documents/requests/{item.id}/cancel", htmx=True)
    assert response.status_code == 200 and "Canceled" in response.get_data(as_text=True)
    again = owner.post(f"/documents/requests/{item.id}/cancel", htmx=True)
    assert again.status_code == 409 and "already canceled" in again.get_data(as_text=True)
    assert [i.status for i in items(app, tenant)] == ["cancelled"]


def _receive(app, tenant, data: bytes, filename: str = "id.pdf"):
    with inside(app, tenant):
        item = db.session.scalar(select(DocumentRequest))
        return requested.receive(item, data, filename, "cosigner (portal)")


def test_receiving_a_file_stores_it_and_staff_download_it_as_an_attachment(app, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "cosigners", ids["cosigner"])
    _receive(app, tenant, PDF, "pay stub.pdf")
    [item] = items(app, tenant)
    assert item.status == "received" and item.content_type == "application/pdf"
    assert (item.size_bytes, item.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert item.received_at is not None and item.storage_key.startswith("documents/")
    widget = owner.get(f"/documents/requests/cosigners/{ids['cosigner']}", htmx=True)
    assert "Received" in widget.get_data(as_text=True)
    response = owner.client.get(f"/documents/requests/{item.id}/file", base_url=owner.base_url)
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="photo_id-{item.id}.pdf"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with inside(app, tenant):
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "document.received")
        )
        assert (
            entry.actor_label == "cosigner (portal)" and entry.after["filename"] == "pay stub.pdf"
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"<html><script>alert(1)</script></html>", "must be a PDF, JPEG or PNG"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_bad_uploads_are_refused_with_the_upload_message(app, owner, tenant, data, message):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    with pytest.raises(DomainError, match=message) as refused:
        _receive(app, tenant, data)
    assert refused.value.field == "file"
    assert [i.status for i in items(app, tenant)] == ["requested"]


def test_a_cancelled_or_answered_request_takes_no_file(app, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    _receive(app, tenant, PDF)
    with pytest.raises(DomainError, match="already received"):
        _receive(app, tenant, PDF)
    [item] = items(app, tenant)
    assert owner.post(f"/documents/requests/{item.id}/cancel", htmx=True).status_code == 409


def test_no_file_to_download_before_one_is_received(app, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    [item] = items(app, tenant)
    assert owner.get(f"/documents/requests/{item.id}/file").status_code == 404


def test_open_requests_for_people_of_a_portal_session(app, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    ask(owner, "cosigners", ids["cosigner"], doc_type="proof_of_address")
    ask(owner, "cosigners", ids["cosigner"], doc_type="court_papers")
    first, _, third = items(app, tenant)
    owner.post(f"/documents/requests/{third.id}/cancel", htmx=True)
    with inside(app, tenant):
        cosigner = [{"kind": "cosigner", "id": ids["cosigner"]}]
        assert [r.doc_type for r in requested.open_requests_for(cosigner)] == ["proof_of_address"]
        assert len(requested.requests_for(cosigner)) == 2
        both = [*cosigner, {"kind": "defendant", "id": ids["defendant"]}]
        assert {r.id for r in requested.open_requests_for(both)} == {
            first.id,
            items(app, tenant)[1].id,
        }
        junk = [{"kind": "defendant", "id": True}, {"kind": "judge", "id": 1}, "x", {}]
        assert requested.open_requests_for(junk) == []


def test_viewers_see_the_list_but_cannot_ask_or_cancel(app, visit, owner, tenant):
    ids = full_bond(app, tenant)
    ask(owner, "defendants", ids["defendant"])
    viewer = add_user(app, tenant.info, "viewer")
    visitor = visit(tenant)
    visitor.login(viewer.email)
    widget = visitor.get(f"/documents/requests/defendants/{ids['defendant']}", htmx=True)
    body = widget.get_data(as_text=True)
    assert widget.status_code == 200 and "Photo ID" in body
    assert "Request document" not in body and "/cancel" not in body
    assert ask(visitor, "defendants", ids["defendant"]).status_code == 403


def test_another_agency_sees_and_touches_nothing(app, owner, tenant, visit, other_tenant):
    ids = full_bond(app, tenant)
    ask(owner, "cosigners", ids["cosigner"], note="Alpha private note")
    _receive(app, tenant, PDF)
    [item] = items(app, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    for path in (
        f"/documents/requests/{item.id}/file",
        f"/documents/requests/cosigners/{ids['cosigner']}",
        f"/documents/requests/defendants/{ids['defendant']}",
    ):
        response = intruder.get(path)
        assert response.status_code == 404, path
        assert b"Alpha private note" not in response.data and PDF not in response.data
    assert intruder.post(f"/documents/requests/{item.id}/cancel").status_code == 404
    assert ask(intruder, "cosigners", ids["cosigner"]).status_code == 404
    assert [i.status for i in items(app, tenant)] == ["received"]
    assert items(app, other_tenant) == []
