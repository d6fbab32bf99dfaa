"""A suspended agency's court reminders still go out; a deleting agency's stop.

Driven as in production: the minute tick claims the agency's due tasks, a worker runs the batch,
the reminder task queues texts and the worker sends them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.jobs import periodic
from bbp.messaging.models import Message
from bbp.platform import lifecycle
from bbp.tenancy import bound
from tests.factories import make_bond

# Thursday Dec 3, 2026, 9:30 AM in New York; planned eight days ahead.
COURT = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
PLANNED = COURT - timedelta(days=8)
DAY_BEFORE = COURT - timedelta(days=1) + timedelta(minutes=1)


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _tick(app, redis, clock, at) -> int:
    clock.set(at)
    with app.app_context():
        claimed = periodic.tick(at)
    _work(app, redis)
    return claimed


def _texts(app, agency) -> list[tuple[str, str, str]]:
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.execute(
            select(Message.phone, Message.status, Message.body).order_by(Message.id)
        ).all()
        db.session.rollback()
        return [tuple(r) for r in rows]


@pytest.fixture
def booked(app, make_agency, clock, redis):
    """An agency with a defendant due in court, its reminders planned by the tick."""
    clock.set(PLANNED)
    agency = make_agency("court")
    bond_id = make_bond(app, agency, status="active", first_name="Marcus", last_name="Reyes")
    with app.app_context(), bound(agency.info, db.session):
        db.session.get(Bond, bond_id).defendant.phone = "3055550142"
        db.session.add(
            CourtDate(
                bond_id=bond_id,
                starts_at=COURT,
                court_name="Dade Circuit",
                courtroom="4-2",
                kind="hearing",
            )
        )
        db.session.commit()
    assert _tick(app, redis, clock, PLANNED) >= 1
    assert _texts(app, agency) == []  # planned, none due yet
    return agency


def test_a_reminder_due_during_a_suspension_is_still_sent(app, redis, clock, booked):
    with app.app_context():
        lifecycle.suspend(booked.info.id, "Unpaid invoices")
    assert _tick(app, redis, clock, DAY_BEFORE) >= 1
    sent = [t for t in _texts(app, booked) if t[1] == "sent"]
    assert len(sent) == 1
    phone, _, body = sent[0]
    assert phone == "+13055550142" and "Thursday, December 3 at 9:30 AM" in body


def test_a_deleting_agency_sends_no_reminder(app, redis, clock, booked):
    with app.app_context():
        lifecycle.schedule_deletion(booked.info.id, "Agency closed", booked.slug)
    assert _tick(app, redis, clock, DAY_BEFORE) == 0
    assert _texts(app, booked) == []
