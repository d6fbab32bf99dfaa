"""Agents send documents, follow their status, resend or withdraw them; the indemnity rule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bbp.bonds import services as bonds
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.settings.services import current
from bbp.signatures import upkeep
from bbp.signatures.models import SignatureRequest
from bbp.signatures.services import indemnity_signed
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book, texts_to
from tests.signatures.conftest import fetch, link_path, send, verify_and_consent, work
from tests.support import add_user


def test_an_agent_sends_the_indemnity_agreement_from_the_bond_page(owner, app, tenant, redis, book):
    page = owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert "Documents and signatures" in page and "Rosa Reyes (cosigner)" in page
    response = owner.post(
        f"/bonds/{book.bond_id}/signatures",
        {"kind": "indemnity", "signer": f"cosigner:{book.cosigner_id}", "channel": "sms"},
    )
    assert response.status_code == 302
    work(app, redis)
    section = owner.get(f"/bonds/{book.bond_id}/signatures").get_data(as_text=True)
    assert "Indemnity agreement" in section and "Sent" in section
    assert any("/portal/sign/" in t.body for t in texts_to(app, tenant, COSIGNER_PHONE))


def test_sending_refuses_missing_contact_and_strangers(owner, app, tenant, book):
    url = f"/bonds/{book.bond_id}/signatures"
    no_email = owner.post(
        url, {"kind": "indemnity", "signer": f"cosigner:{book.cosigner_id}", "channel": "both"}
    )
    assert no_email.status_code == 302  # the cosigner has both; now the defendant, who has no email
    refused = owner.post(
        url, {"kind": "application", "signer": f"defendant:{book.defendant_id}", "channel": "email"}
    )
    assert refused.status_code == 422
    assert "Marcus Reyes has no email address on file." in refused.get_data(as_text=True)
    stranger = owner.post(url, {"kind": "indemnity", "signer": "cosigner:999", "channel": "sms"})
    assert stranger.status_code == 422
    choose = "Choose the defendant or one of this bond&#39;s cosigners."
    assert f'<small id="signer-error" class="field-error">{choose}</small>' in stranger.get_data(
        as_text=True
    )
    nobody = owner.post(url, {"kind": "indemnity", "channel": "sms"})
    assert nobody.status_code == 422 and choose in nobody.get_data(as_text=True)
    with inside(app, tenant):
        assert db.session.query(SignatureRequest).count() == 1


def test_withdrawing_and_resending(owner, app, tenant, redis, book):
    request_id = send(app, tenant, book)
    work(app, redis)
    assert owner.post(f"/signatures/{request_id}/resend").status_code == 302
    work(app, redis)
    item = fetch(app, tenant, request_id)
    assert [e.kind for e in item.events][-1] == "sent"
    assert owner.post(f"/signatures/{request_id}/cancel").status_code == 302
    assert fetch(app, tenant, request_id).status == "cancelled"
    again = owner.post(f"/signatures/{request_id}/resend")
    assert "Only a request waiting for a signature" in owner.get(
        again.headers["Location"]
    ).get_data(as_text=True)


def test_a_viewer_can_follow_but_not_send(visit, app, tenant, book):
    viewer_user = add_user(app, tenant.info, "viewer")
    viewer = visit(tenant)
    viewer.login(viewer_user.email)
    assert viewer.get(f"/bonds/{book.bond_id}/signatures").status_code == 200
    refused = viewer.post(
        f"/bonds/{book.bond_id}/signatures",
        {"kind": "indemnity", "signer": f"cosigner:{book.cosigner_id}", "channel": "sms"},
    )
    assert refused.status_code == 403


def test_the_evidence_page_shows_every_event_and_a_broken_chain(owner, app, tenant, redis, book):
    request_id = send(app, tenant, book)
    work(app, redis)
    page = owner.get(f"/signatures/{request_id}").get_data(as_text=True)
    assert "The evidence log is intact" in page and "created" in page
    with inside(app, tenant):
        db.session.execute(text("UPDATE signature_events SET data = '{}' WHERE seq = 1"))
        db.session.commit()
    page = owner.get(f"/signatures/{request_id}").get_data(as_text=True)
    assert "fails verification" in page
    pdf = owner.get(f"/signatures/{request_id}/original.pdf")
    assert pdf.status_code == 200 and pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert owner.get(f"/signatures/{request_id}/signed.pdf").status_code == 404


def test_unsigned_requests_are_reminded_then_expire(app, tenant, redis, book):
    request_id = send(app, tenant, book)
    work(app, redis)
    with inside(app, tenant):
        item = db.session.get(SignatureRequest, request_id)
        start = item.created_at
        assert upkeep.remind_and_expire(start + timedelta(hours=1)) == (0, 0)
        assert upkeep.remind_and_expire(start + timedelta(hours=25)) == (1, 0)
        assert upkeep.remind_and_expire(start + timedelta(hours=26)) == (0, 0)
        assert upkeep.remind_and_expire(start + timedelta(hours=50)) == (1, 0)
        assert upkeep.remind_and_expire(start + timedelta(hours=80)) == (0, 0)  # at most 2
        assert upkeep.remind_and_expire(start + timedelta(days=8)) == (0, 1)
    work(app, redis)
    reminders = [t for t in texts_to(app, tenant, COSIGNER_PHONE) if t.body.startswith("Reminder")]
    assert len(reminders) == 2
    item = fetch(app, tenant, request_id)
    assert item.status == "expired" and item.reminders_sent == 2
    assert [e.kind for e in item.events].count("reminded") == 2


def test_the_signature_policy_is_validated_and_audited(owner, app, tenant):
    assert owner.get("/signatures/settings").status_code == 200
    bad = owner.post(
        "/signatures/settings",
        {
            "signature_expiry_days": "0",
            "signature_reminder_hours": "24",
            "signature_reminders_max": "2",
        },
    )
    assert bad.status_code == 422
    assert "Links can stay open 1 to 90 days." in bad.get_data(as_text=True)
    good = owner.post(
        "/signatures/settings",
        {
            "signature_expiry_days": "3",
            "signature_reminder_hours": "12",
            "signature_reminders_max": "1",
            "require_signed_indemnity": "y",
        },
    )
    assert good.status_code == 302
    with inside(app, tenant):
        settings = current()
        assert (settings.signature_expiry_days, settings.require_signed_indemnity) == (3, True)


def test_the_agency_can_require_a_signed_indemnity_before_writing(visit, app, tenant, redis):

    book = make_book(app, tenant)
    agent = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        current().require_signed_indemnity = True
        bond = db.session.get(Bond, book.bond_id)
        bond.status = "application"
        db.session.commit()
        try:
            bonds.write(bond, 1, agent)
        except DomainError as exc:
            assert "signed indemnity agreement" in exc.message
        else:
            raise AssertionError("a bond was written without a signed indemnity agreement")
        db.session.rollback()
    request_id = send(app, tenant, book, by=agent)
    work(app, redis)

    path = link_path(app, tenant)
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    assert fetch(app, tenant, request_id).status == "signed"
    with inside(app, tenant):
        assert indemnity_signed(db.session.get(Bond, book.bond_id))


def test_a_signature_by_a_cosigner_since_removed_no_longer_counts(visit, app, tenant, redis, book):

    send(app, tenant, book)
    work(app, redis)
    path = link_path(app, tenant)
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    with inside(app, tenant):
        assert indemnity_signed(db.session.get(Bond, book.bond_id))
        db.session.query(BondIndemnitor).filter_by(bond_id=book.bond_id).delete()
        db.session.commit()
        assert not indemnity_signed(db.session.get(Bond, book.bond_id))
