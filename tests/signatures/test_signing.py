"""Signing a document: code, consent, read, sign or decline, with evidence that holds up."""

from __future__ import annotations

import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor

from pypdf import PdfReader
from sqlalchemy import select, text

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.documents import services as documents
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.errors import DomainError
from bbp.kernel.mail import outbox_key
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.messaging.providers import Sent
from bbp.signatures import consent, evidence, services
from bbp.signatures.models import SignatureRequest
from tests.portal.conftest import (
    CODE,
    COSIGNER_EMAIL,
    COSIGNER_PHONE,
    ask_code,
    inside,
    last_code,
    make_book,
    sign_in,
    texts_to,
)
from tests.signatures.conftest import fetch, send, signature_png, verify_and_consent, work
from tests.support import add_user


def _pdf(visitor, path) -> bytes:
    response = visitor.get(f"{path}/document.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.get_data()


def test_sending_freezes_the_document_and_texts_a_link(app, tenant, sent, book):
    request_id, path = sent
    item = fetch(app, tenant, request_id)
    assert item.status == "sent" and item.signer_name == "Rosa Reyes"
    assert item.phone == f"+1{COSIGNER_PHONE}" and item.title
    assert "Marcus Reyes" in item.body and "5,000.00" in item.body
    assert [e.kind for e in item.events] == ["created", "sent"]
    assert evidence.problems(item) == []
    [text] = [t for t in texts_to(app, tenant, COSIGNER_PHONE) if t.purpose == "signature"]
    assert text.bond_id == book.bond_id and text.status == "sent"
    assert path.startswith("/portal/sign/")


def test_a_cosigner_signs_with_a_typed_name(visit, app, tenant, sent, redis):
    request_id, path = sent
    signer = visit(tenant)
    page = signer.get(path).get_data(as_text=True)
    assert "Step 1 of 3" in page and "Marcus" not in page  # nothing of the document before the code
    assert signer.get(f"{path}/document.pdf").status_code == 302
    verify_and_consent(signer, app, tenant, path)
    page = signer.get(path).get_data(as_text=True)
    assert "Step 3 of 3" in page and "Marcus Reyes" in page
    original = _pdf(signer, path)
    response = signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    assert response.status_code == 302
    assert "Signed. Thank you." in signer.get(path).get_data(as_text=True)
    signed = _pdf(signer, path)
    item = fetch(app, tenant, request_id)
    assert item.status == "signed" and item.signature_kind == "typed"
    assert hashlib.sha256(original).hexdigest() == item.document_sha256
    assert hashlib.sha256(signed).hexdigest() == item.signed_sha256 != item.document_sha256
    kinds = [e.kind for e in item.events]
    assert kinds == [
        "created",
        "sent",
        "code_sent",
        "verified",
        "consented",
        "viewed",
        "signed",
        "completed",
    ]
    signed_event = item.events[kinds.index("signed")]
    assert signed_event.ip == "127.0.0.1" and signed_event.user_agent
    assert (
        signed_event.data["verified_by"]
        == f"one-time code sent by text message to +1{COSIGNER_PHONE}"
    )
    assert signed_event.data["document_sha256"] == item.document_sha256
    assert evidence.problems(item) == []
    shown = consent.text(tenant.info.name, "en")
    assert item.consent_sha256 == hashlib.sha256(shown.encode()).hexdigest()
    with inside(app, tenant):
        assert db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signature.signed")
        ).one()


def test_the_signed_pdf_carries_the_signature_and_a_certificate(visit, app, tenant, sent):

    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.get(path)
    signer.post(path, {"how": "typed", "typed": "Rosa M. Reyes", "agree": "y"})
    reader = PdfReader(io.BytesIO(_pdf(signer, path)))
    words = " ".join(page.extract_text() for page in reader.pages)
    item = fetch(app, tenant, request_id)
    assert "Rosa M. Reyes" in words
    assert "Certificate of completion" in words
    assert item.document_sha256 in words.replace("\n", "")
    assert f"+1{COSIGNER_PHONE}" in words
    assert item.events[-2].hash in words.replace("\n", "")  # the chain head at signing


def test_a_drawn_signature_is_accepted_and_a_blank_one_refused(visit, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.get(path)
    blank = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    refused = signer.post(path, {"how": "drawn", "drawn": blank, "agree": "y"})
    assert refused.status_code == 422
    assert fetch(app, tenant, request_id).status == "viewed"
    response = signer.post(path, {"how": "drawn", "drawn": signature_png(), "agree": "y"})
    assert response.status_code == 302
    item = fetch(app, tenant, request_id)
    assert item.status == "signed" and item.signature_kind == "drawn"


def test_signing_needs_the_explicit_agreement(visit, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    response = signer.post(path, {"how": "typed", "typed": "Rosa Reyes"})
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    assert 'value="Rosa Reyes"' in response.get_data(as_text=True)
    assert fetch(app, tenant, request_id).status != "signed"


def test_signing_is_refused_before_the_code_and_before_consent(visit, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    signer.get(path)
    assert (
        signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"}).status_code == 422
    )
    signer.post(f"{path}/code")
    signer.post(f"{path}/verify", {"code": last_code(app, tenant, COSIGNER_PHONE)})
    assert (
        signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"}).status_code == 422
    )
    refused = signer.post(f"{path}/consent", {})
    assert refused.status_code == 422
    assert fetch(app, tenant, request_id).status == "sent"


def test_a_wrong_code_does_not_verify(visit, app, tenant, sent):
    _, path = sent
    signer = visit(tenant)
    signer.get(path)
    signer.post(f"{path}/code")
    good = last_code(app, tenant, COSIGNER_PHONE)
    response = signer.post(f"{path}/verify", {"code": f"{(int(good) + 1) % 1_000_000:06d}"})
    assert response.status_code == 422
    assert "Step 1 of 3" in signer.get(path).get_data(as_text=True)


def test_a_portal_code_does_not_open_a_signing_request(visit, app, tenant, sent):
    """Codes are per purpose: a portal sign-in code is no answer to a signing request."""
    _, path = sent
    signer = visit(tenant)
    signer.get(path)
    signer.post(f"{path}/code")
    other = visit(tenant)
    ask_code(other, COSIGNER_PHONE)
    response = signer.post(f"{path}/verify", {"code": last_code(app, tenant, COSIGNER_PHONE)})
    assert response.status_code == 422


def test_a_signed_in_cosigner_signs_from_the_portal_without_a_new_code(visit, app, tenant, sent):
    request_id, path = sent
    person = visit(tenant)
    sign_in(person, app, tenant)
    page = person.get("/portal/documents").get_data(as_text=True)
    assert path in page
    first = person.get(path).get_data(as_text=True)
    assert "Step 1 of 2: agree to sign electronically" in first and "of 3" not in first
    person.post(f"{path}/consent", {"agree": "y"})
    assert "Step 2 of 2: read and sign" in person.get(path).get_data(as_text=True)
    person.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    item = fetch(app, tenant, request_id)
    assert item.status == "signed"
    verified = next(e for e in item.events if e.kind == "verified")
    assert verified.data["method"].startswith("portal session: code sent by text message")


def test_declining_needs_a_reason_and_tells_the_agent(visit, app, tenant, sent, redis):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    assert signer.post(f"{path}/decline", {"reason": " "}).status_code == 422
    response = signer.post(
        f"{path}/decline", {"reason": "I did not agree to the collateral terms."}
    )
    assert response.status_code == 302
    item = fetch(app, tenant, request_id)
    assert item.status == "declined" and item.decline_reason.startswith("I did not agree")
    assert item.events[-1].kind == "declined"
    assert "You declined to sign" in signer.get(path).get_data(as_text=True)
    assert (
        signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"}).status_code == 422
    )


def test_a_signed_link_cannot_sign_again(visit, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    before = fetch(app, tenant, request_id)
    again = signer.post(path, {"how": "typed", "typed": "Someone Else", "agree": "y"})
    assert again.status_code == 422
    after = fetch(app, tenant, request_id)
    assert after.signed_sha256 == before.signed_sha256 and len(after.events) == len(before.events)


def test_tampered_foreign_and_withdrawn_links_are_refused(visit, app, tenant, other_tenant, sent):
    request_id, path = sent
    tampered = visit(tenant).get(path[:-3] + "abc")
    assert tampered.status_code == 400
    assert "not valid" in tampered.get_data(as_text=True)
    foreign = visit(other_tenant).get(path)
    assert foreign.status_code == 400
    assert "Marcus" not in foreign.get_data(as_text=True)
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        services.cancel(db.session.get(SignatureRequest, request_id), by)
    closed = visit(tenant).get(path).get_data(as_text=True)
    assert "This request is closed" in closed


def test_two_withdrawals_at_once_withdraw_once(app, tenant, sent):
    request_id, _ = sent
    by = add_user(app, tenant.info, "agent")

    def cancel(_):
        with inside(app, tenant):
            try:
                services.cancel(db.session.get(SignatureRequest, request_id), by)
                return "cancelled"
            except DomainError as refusal:
                return refusal.message

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = sorted(pool.map(cancel, range(3)))
    assert outcomes.count("cancelled") == 1
    events = [e.kind for e in fetch(app, tenant, request_id).events]
    assert events.count("cancelled") == 1


def test_an_expired_link_cannot_be_used(visit, app, tenant, sent):
    request_id, path = sent
    with inside(app, tenant):
        db.session.execute(
            text("UPDATE signature_requests SET expires_at = now() - interval '1 minute'")
        )
        db.session.commit()
    page = visit(tenant).get(path).get_data(as_text=True)
    assert "This request is closed" in page
    item = fetch(app, tenant, request_id)
    assert item.status == "expired" and item.events[-1].kind == "expired"


def test_another_person_signed_in_to_the_portal_cannot_sign_or_read(visit, app, tenant, sent):
    request_id, path = sent
    make_book(
        app,
        tenant,
        defendant_phone="3055550121",
        cosigner_phone="3055550122",
        cosigner_email="else@example.com",
        last_name="Else",
        number="B-2026-0222",
    )
    intruder = visit(tenant)
    sign_in(intruder, app, tenant, phone="3055550122")
    page = intruder.get(path).get_data(as_text=True)
    assert "Step 1 of 3" in page and "Marcus" not in page
    assert intruder.get(f"{path}/document.pdf").status_code == 302
    assert intruder.post(f"{path}/consent", {"agree": "y"}).status_code == 302
    assert intruder.post(path, {"how": "typed", "typed": "X Y", "agree": "y"}).status_code == 422
    assert fetch(app, tenant, request_id).status == "sent"
    assert path not in intruder.get("/portal/documents").get_data(as_text=True)


def test_editing_any_event_breaks_the_chain(visit, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    with inside(app, tenant):
        db.session.execute(
            text(
                "UPDATE signature_events SET ip = '10.9.9.9' "
                "WHERE request_id = :id AND kind = 'signed'"
            ),
            {"id": request_id},
        )
        db.session.commit()
    problems = evidence.problems(fetch(app, tenant, request_id))
    assert any("(signed) was altered" in p for p in problems)


def test_deleting_an_event_or_swapping_the_document_hash_is_detected(visit, app, tenant, sent):
    request_id, _ = sent
    with inside(app, tenant):
        db.session.execute(
            text("UPDATE signature_requests SET document_sha256 = repeat('a', 64) WHERE id = :id"),
            {"id": request_id},
        )
        db.session.execute(
            text("DELETE FROM signature_events WHERE request_id = :id AND kind = 'created'"),
            {"id": request_id},
        )
        db.session.commit()
    problems = evidence.problems(fetch(app, tenant, request_id))
    assert any("missing or out of order" in p for p in problems)
    assert any("document's fingerprint" in p for p in problems)


def test_the_defendant_can_be_sent_the_application_by_email(app, tenant, redis):

    book = make_book(app, tenant)
    with inside(app, tenant):
        db.session.get(Defendant, book.defendant_id).email = "marcus@example.com"
        db.session.commit()
    request_id = send(app, tenant, book, kind="application", who="defendant", channel="email")
    work(app, redis)
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert [m["to"] for m in mails] == ["marcus@example.com"]
    assert "/portal/sign/" in mails[0]["body"]
    item = fetch(app, tenant, request_id)
    assert item.signer_role == "defendant" and item.email == "marcus@example.com"


def test_a_number_that_changed_hands_cannot_open_the_request(visit, app, tenant, sent, book):
    _, path = sent
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).phone = "3055550166"
        db.session.commit()
    old_owner = visit(tenant)
    old_owner.get(path)
    response = old_owner.post(f"{path}/code")
    assert response.status_code == 410
    assert "no longer valid" in response.get_data(as_text=True)
    assert old_owner.get("/portal/").status_code == 302


def test_a_portal_session_by_email_still_needs_the_texted_code(visit, app, tenant, sent, redis):

    _, path = sent
    person = visit(tenant)
    ask_code(person, COSIGNER_EMAIL)
    mail = json.loads(redis.lrange(outbox_key(tenant.slug), -1, -1)[0])
    person.post("/portal/code", {"code": CODE.search(mail["body"]).group(1)})
    assert "Step 1 of 3" in person.get(path).get_data(as_text=True)


def test_staff_never_read_a_code_or_a_link_token(owner, app, tenant, sent, book):

    _, path = sent
    sign_in(owner.__class__(app.test_client(), owner.host), app, tenant)
    code = last_code(app, tenant, COSIGNER_PHONE)
    for page in (f"/bonds/{book.bond_id}", f"/indemnitors/{book.cosigner_id}"):
        body = owner.get(page).get_data(as_text=True)
        assert code not in body and path.rsplit("/", 1)[1] not in body


def test_a_delivered_secret_text_is_scrubbed_when_a_real_carrier_took_it(app, tenant, sent):

    class Carrier:
        def send(self, phone, body):
            return Sent(provider_id="SM" + "1" * 32, status="queued", segments=1)

    _, path = sent
    with inside(app, tenant):
        message = Message(
            phone="+13055550177",
            body=f"Open http://x{path}",
            purpose="signature",
            direction="out",
            status="queued",
        )
        db.session.add(message)
        db.session.commit()
        assert messaging.deliver(message.id, Carrier()) == "sent"
        db.session.refresh(message)
        assert message.status == "sent"
        assert (
            path.rsplit("/", 1)[1] not in message.body and "/portal/sign/[hidden]" in message.body
        )


def test_a_long_filled_in_title_is_shortened_not_a_500(app, tenant, book, redis):

    by = add_user(app, tenant.info, "admin")
    with inside(app, tenant):
        db.session.get(Bond, book.bond_id).court_name = "Circuit Court " + "x" * 100
        body = documents.wording("indemnity").body
        documents.save("indemnity", "Agreement, {{ court_name }}, {{ defendant_name }}", body, by)
    item = fetch(app, tenant, send(app, tenant, book))
    assert len(item.title) <= 120 and item.title.endswith("…")


def test_editing_the_signer_or_the_status_is_detected(app, tenant, sent):
    request_id, _ = sent
    with inside(app, tenant):
        db.session.execute(
            text("UPDATE signature_requests SET signer_name = 'Someone Else' WHERE id = :id"),
            {"id": request_id},
        )
        db.session.commit()
    assert any("signer" in p for p in evidence.problems(fetch(app, tenant, request_id)))
    with inside(app, tenant):
        db.session.execute(
            text(
                "UPDATE signature_requests SET signer_name = 'Rosa Reyes', status = 'signed' "
                "WHERE id = :id"
            ),
            {"id": request_id},
        )
        db.session.commit()
    assert any("status" in p for p in evidence.problems(fetch(app, tenant, request_id)))
