"""Every field that gives a signature its meaning is pinned into the evidence chain."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text

from bbp.extensions import db
from bbp.signatures import evidence
from bbp.signatures.models import SignatureEvent, SignatureRequest
from tests.portal.conftest import inside, make_book
from tests.revisions import upgraded_from
from tests.signatures.conftest import fetch, verify_and_consent

FORGED = b"%PDF-1.4\n% a different document\n"
BEFORE_PINS = "8c4bb22f0b1c"  # the tenant revision before signature evidence was pinned

# One edit per pinned field, as an UPDATE of the request row (parameters filled in below).
EDITS = {
    "bond_id": "bond_id = :other_bond",
    "template_kind": "template_kind = 'application'",
    "title": "title = 'Premium agreement'",
    "body_sha256": "body = body || ' The cosigner owes nothing.'",
    "document_key": "document_key = 'signatures/other.pdf'",
    "document_sha256": "document_sha256 = repeat('a', 64)",
    "defendant_id": "defendant_id = :defendant, indemnitor_id = NULL",
    "indemnitor_id": "indemnitor_id = :other_cosigner",
    "signer": "signer_name = 'Someone Else'",
    "signer_role": "signer_role = 'defendant'",
    "phone": "phone = '+13055550100'",
    "email": "email = 'someone@example.com'",
    "consent_sha256": "consent_sha256 = repeat('b', 64)",
    "signature": "signature_kind = 'drawn'",
    "signed_key": "signed_key = 'signatures/other-signed.pdf'",
    "signed_sha256": "signed_sha256 = :forged",
    "completed_at": "completed_at = completed_at - interval '1 day'",
    "reason": "decline_reason = 'I never agreed'",
}


@pytest.fixture
def signed(visit, app, tenant, sent, book):
    """The cosigner's signed indemnity: (request id, signed PDF, ids to move it to)."""
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    pdf = signer.client.get(f"{path}/document.pdf", base_url=signer.base_url).get_data()
    other = make_book(
        app,
        tenant,
        defendant_phone="3055550131",
        cosigner_phone="3055550132",
        cosigner_email="other@example.com",
        last_name="Other",
        number="B-2026-0202",
    )
    ids = {
        "other_bond": other.bond_id,
        "other_cosigner": other.cosigner_id,
        "defendant": book.defendant_id,
        "forged": evidence.digest(FORGED),
    }
    assert evidence.problems(fetch(app, tenant, request_id)) == []
    return request_id, pdf, ids


def _update(app, tenant, request_id: int, assignment: str, params: dict) -> None:
    with inside(app, tenant):
        db.session.execute(
            text(f"UPDATE signature_requests SET {assignment} WHERE id = :id"),
            {"id": request_id, **params},
        )
        db.session.commit()


def _verdict(visitor, data: bytes) -> str:
    visitor.get("/verify")
    body = visitor.post(
        "/verify", {"file": (io.BytesIO(data), "signed.pdf")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    return body.split('data-verdict="', 1)[1].split('"', 1)[0]


def test_every_pinned_field_has_an_edit_below():
    assert set(EDITS) == set(evidence.PINS)


@pytest.mark.parametrize("pin", sorted(EDITS))
def test_editing_a_pinned_field_shows_on_the_evidence_page_and_on_verify(
    pin, owner, visit, app, tenant, signed
):
    request_id, pdf, ids = signed
    _update(app, tenant, request_id, EDITS[pin], ids)
    page = owner.get(f"/signatures/{request_id}").get_data(as_text=True)
    assert "The evidence log fails verification" in page
    assert f"{evidence.PINS[pin]} differs from what the evidence recorded." in page.replace(
        "&#39;", "'"
    )
    uploaded = FORGED if pin == "signed_sha256" else pdf
    assert _verdict(visit(tenant), uploaded) == "tampered_evidence"


def test_a_new_request_records_its_bond_signer_kind_and_text_when_sent(app, tenant, sent, book):
    item = fetch(app, tenant, sent[0])
    created = item.events[0].data
    assert created["bond_id"] == book.bond_id and created["indemnitor_id"] == book.cosigner_id
    assert created["template_kind"] == "indemnity"
    assert created["body_sha256"] == evidence.digest(item.body.encode())


def _as_before_pinning(app, tenant, request_id: int) -> None:
    """Rewrite a chain as requests sent before the pins recorded it, with valid hashes."""
    legacy = {
        "created": ("by", "document_sha256", "signer", "signer_role", "phone", "email", "title"),
        "completed": ("signed_sha256", "completed_at"),
    }
    with inside(app, tenant):
        prev = evidence.GENESIS
        query = select(SignatureEvent).where(SignatureEvent.request_id == request_id)
        for event in db.session.scalars(query.order_by(SignatureEvent.seq)):
            if event.kind in legacy:
                event.data = {k: v for k, v in event.data.items() if k in legacy[event.kind]}
            event.prev_hash, event.hash = prev, evidence.event_hash(request_id, event, prev)
            prev = event.hash
        db.session.commit()


def test_the_upgrade_pins_a_chain_recorded_before_pinning(owner, visit, app, tenant, signed):
    request_id, pdf, ids = signed
    _as_before_pinning(app, tenant, request_id)
    before = fetch(app, tenant, request_id)
    assert "The bond differs from what the evidence recorded." in evidence.problems(before)
    anchor = next(e.hash for e in before.events if e.kind == "signed")  # printed on the PDF

    upgraded_from(app, tenant.info.schema, BEFORE_PINS)

    after = fetch(app, tenant, request_id)
    assert evidence.problems(after) == []
    assert [e.kind for e in after.events][-2:] == ["completed", "pinned"]
    assert anchor in [e.hash for e in after.events]
    assert _verdict(visit(tenant), pdf) == "signed"
    _update(app, tenant, request_id, EDITS["bond_id"], ids)
    assert "fails verification" in owner.get(f"/signatures/{request_id}").get_data(as_text=True)
    assert _verdict(visit(tenant), pdf) == "tampered_evidence"


def test_an_upgraded_request_that_is_then_signed_stays_intact(visit, app, tenant, sent):
    request_id, path = sent
    _as_before_pinning(app, tenant, request_id)
    upgraded_from(app, tenant.info.schema, BEFORE_PINS)
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    item = fetch(app, tenant, request_id)
    assert item.status == "signed" and evidence.problems(item) == []
    assert [e.kind for e in item.events][:3] == ["created", "sent", "pinned"]


@pytest.mark.parametrize("pin", ["bond_id", "indemnitor_id", "title", "signer"])
def test_a_forged_event_that_records_a_pin_again_is_detected(
    pin, owner, visit, app, tenant, signed
):
    """An edit followed by an appended event re-recording the new value, hashes and all."""
    request_id, pdf, ids = signed
    _update(app, tenant, request_id, EDITS[pin], ids)
    with inside(app, tenant):
        item = db.session.get(SignatureRequest, request_id)
        evidence.append(item, "pinned", evidence.pins(item, pin))
        db.session.commit()
    page = owner.get(f"/signatures/{request_id}").get_data(as_text=True)
    assert "The evidence log fails verification" in page and "again, changed" in page
    assert _verdict(visit(tenant), pdf) == "tampered_evidence"


def test_an_edit_made_before_the_upgrade_is_still_detected_after_it(visit, app, tenant, signed):
    request_id, pdf, ids = signed
    _as_before_pinning(app, tenant, request_id)
    _update(app, tenant, request_id, EDITS["signer"], ids)  # a field the old chain recorded
    upgraded_from(app, tenant.info.schema, BEFORE_PINS)
    after = fetch(app, tenant, request_id)
    assert "The signer's name differs from what the evidence recorded." in evidence.problems(after)
    assert _verdict(visit(tenant), pdf) == "tampered_evidence"
