"""The dev outbox shows an email's time the way it shows a text's: in the agency's zone, in words."""

from __future__ import annotations

from datetime import UTC, datetime

from bbp.extensions import db
from bbp.kernel import mail
from bbp.messaging.models import Message
from bbp.tenancy import bound


def test_an_email_shows_its_time_in_the_agencys_zone(app, owner, tenant, clock):
    clock.set(datetime(2026, 11, 30, 16, 5, 7, 123456, tzinfo=UTC))
    with app.app_context(), bound(tenant.info, db.session):
        mail.send("payer@example.com", "Your receipt", "Thank you.")
    page = owner.get("/dev/outbox").get_data(as_text=True)
    assert "Your receipt" in page
    assert "Nov 30, 2026 11:05 AM" in page
    assert "2026-11-30T16:05:07" not in page


def test_a_text_shows_its_number_as_the_app_writes_phones(app, owner, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        db.session.add(Message(phone="+13055553219", body="Court tomorrow at 9", purpose="one_off"))
        db.session.commit()
    page = owner.get("/dev/outbox").get_data(as_text=True)
    assert "Court tomorrow at 9" in page
    assert "To (305) 555-3219" in page
    assert "+13055553219" not in page
