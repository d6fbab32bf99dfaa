"""The bond timeline is one chronological feed: status, notes, payments, court, signatures, texts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import BondNote, BondStatusChange
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.payments.models import Payment
from bbp.signatures.models import SignatureRequest
from tests.factories import make_bond
from tests.portal.conftest import COSIGNER_PHONE, DEFENDANT_PHONE, inside, make_book
from tests.support import counted

MINUTE = datetime(2026, 3, 9, 15, 4, tzinfo=UTC)


def _timeline(owner, bond_id) -> str:
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    return page[page.index('id="timeline"') :]


def _texts(owner, bond_id) -> str:
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    return page[page.index('id="messages"') : page.index('id="timeline"')]


def _in_order(text: str, *parts: str) -> bool:
    found = [text.find(part) for part in parts]
    return -1 not in found and found == sorted(found)


def test_the_timeline_is_a_feed_not_a_numbered_list(owner, app, tenant):
    bond_id = make_bond(app, tenant)
    timeline = _timeline(owner, bond_id)
    assert '<ul class="timeline"' in timeline and "<ol" not in timeline
    assert "Newest first" in timeline


def test_events_in_the_same_minute_are_newest_first_by_time_then_by_row(owner, app, tenant):
    bond_id = make_bond(app, tenant)
    with inside(app, tenant):
        db.session.add_all(
            [
                BondNote(bond_id=bond_id, body="First call", author_label="a", created_at=MINUTE),
                # Written in the same instant as the first: the later row is the newer event.
                BondNote(bond_id=bond_id, body="Second call", author_label="a", created_at=MINUTE),
                BondStatusChange(
                    bond_id=bond_id,
                    from_status="active",
                    to_status="surrendered",
                    reason="Surrendered at the jail",
                    changed_by_label="a",
                    changed_at=MINUTE + timedelta(seconds=40),
                ),
                Payment(
                    bond_id=bond_id,
                    receipt_number="R-T-1",
                    kind="premium",
                    method="cash",
                    amount=Decimal("50"),
                    payer_name="Lena Bell",
                    received_at=MINUTE + timedelta(seconds=20),
                ),
            ]
        )
        db.session.commit()
    timeline = _timeline(owner, bond_id)
    assert _in_order(
        timeline, "Surrendered at the jail", "Premium $50.00", "Second call", "First call"
    )


def test_a_failure_to_appear_shows_the_outcome_before_the_forfeiture_it_caused(owner, app, tenant):
    bond_id = make_bond(app, tenant, status="active")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:30", "kind": "hearing"})
    with inside(app, tenant):
        court_date_id = db.session.scalar(select(CourtDate.id).where(CourtDate.bond_id == bond_id))
    response = owner.post(
        f"/court/{court_date_id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"}
    )
    assert response.status_code == 302
    timeline = _timeline(owner, bond_id)
    # Newest first: the forfeiture (a consequence) above the failure to appear (its cause).
    assert _in_order(timeline, "Active → Forfeited", "Nov 2: failed to appear", "Court date set")


def test_a_payment_and_its_void_show_in_the_timeline_with_who_did_them(owner, app, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    owner.post(
        f"/payments/bonds/{bond_id}/new",
        {"amount": "75", "kind": "premium", "method": "cash", "payer_name": "Lena Bell"},
    )
    with inside(app, tenant):
        payment_id = db.session.scalar(select(Payment.id).where(Payment.bond_id == bond_id))
    owner.post(f"/payments/{payment_id}/void", {"reason": "Entered twice"})
    timeline = _timeline(owner, bond_id)
    assert _in_order(
        timeline,
        "Receipt R-000001 voided: Entered twice",
        "Premium $75.00 (Cash), receipt R-000001, from Lena Bell",
    )
    assert timeline.count(f'<small class="muted">Owner {tenant.slug}</small>') == 2


def test_a_texted_signature_request_shows_in_the_timeline_and_the_texts(owner, app, tenant):
    book = make_book(app, tenant)
    signer = f"cosigner:{book.cosigner_id}"
    sent = owner.post(
        f"/bonds/{book.bond_id}/signatures",
        {"kind": "indemnity", "signer": signer, "channel": "sms"},
    )
    assert sent.status_code == 302
    with inside(app, tenant):
        request_id = db.session.scalar(select(SignatureRequest.id))
        body = db.session.scalar(select(Message.body).where(Message.purpose == "signature"))
    token = re.search(r"/portal/sign/(\S+)", body).group(1)
    owner.post(f"/signatures/{request_id}/resend")
    owner.post(f"/signatures/{request_id}/cancel")
    texts, timeline = _texts(owner, book.bond_id), _timeline(owner, book.bond_id)
    assert "No texts yet." not in texts
    assert "Signature link to Rosa Reyes (cosigner)" in texts
    assert "Signature link to Rosa Reyes (cosigner)" in timeline
    assert _in_order(
        timeline,
        "Indemnity Agreement withdrawn",
        "Indemnity Agreement sent again to Rosa Reyes",
        "Indemnity Agreement sent to Rosa Reyes for signature",
    )
    page = owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert "/portal/sign/[hidden]" in page and token not in page


def test_texts_to_the_people_on_a_bond_show_on_it_and_not_on_their_other_bonds(owner, app, tenant):
    book = make_book(app, tenant)
    other = make_book(
        app, tenant, defendant_phone="3055550100", cosigner_phone="3055550101", number="B-2"
    )
    token = "CheckInToken_0123456789abcdef"
    with inside(app, tenant):
        checkin = messaging.queue(
            DEFENDANT_PHONE,
            f"Alpha: time to check in. Open https://alpha.bbp.test/check-in/{token}",
            "check_in",
            defendant_id=book.defendant_id,
            dedupe_key="t-check-in",
            commit=False,
        )
        messaging.queue(
            COSIGNER_PHONE,
            "Court is Monday at 9:30, Room 4-2.",
            "reminder",
            bond_id=book.bond_id,
            indemnitor_id=book.cosigner_id,
            commit=False,
        )
        messaging.queue("3055550101", "About the other bond.", "one_off", bond_id=other.bond_id)
        db.session.add(
            Message(
                direction="in",
                phone=f"+1{COSIGNER_PHONE}",
                body="Got it, thanks",
                purpose="reply",
                status="received",
            )
        )
        db.session.commit()
        assert checkin.bond_id is None  # a check-in is the defendant's, not tied to one bond
    texts, timeline = _texts(owner, book.bond_id), _timeline(owner, book.bond_id)
    for section in (texts, timeline):
        assert "Check-in link to Marcus Reyes (defendant)" in section
        assert "/check-in/[hidden]" in section and token not in section
        assert "Court reminder to Rosa Reyes (cosigner)" in section
        assert "Reply from Rosa Reyes (cosigner)" in section and "Got it, thanks" in section
        assert "About the other bond." not in section
    assert "About the other bond." in _texts(owner, other.bond_id)


def test_staff_names_are_read_once_until_the_agency_writes(owner, app, tenant):
    first, second = make_bond(app, tenant), make_bond(app, tenant, last_name="Other")
    owner.post(f"/bonds/{first}/notes", {"body": "Called the cosigner"})
    owner.post(f"/bonds/{second}/notes", {"body": "Visited the jail"})
    with counted(app) as seen:
        assert f"Owner {tenant.slug}" in _timeline(owner, first)
    with counted(app) as again:
        assert f"Owner {tenant.slug}" in _timeline(owner, second)
    names = [s for s in seen + again if s.startswith("SELECT users.id, users.name")]
    assert len(names) == 1, names
    with inside(app, tenant):
        db.session.scalars(select(User).where(User.role == "owner")).one().name = "Ada Renamed"
        db.session.commit()
    assert '<small class="muted">Ada Renamed</small>' in _timeline(owner, first)
