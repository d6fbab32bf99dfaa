"""Many court dates: planned and queued in the same few statements, batch after batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from bbp.bonds.models import Bond, BondIndemnitor
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.messaging.models import Message
from bbp.reminders import services
from bbp.reminders.models import Reminder
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond

COURT = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
DUE = COURT - timedelta(days=1) + timedelta(minutes=1)  # the 1d reminders are due


def _book(app, agency, bonds: int) -> None:
    """`bonds` bonds, each with a defendant, one cosigner (both with phones) and a court date."""
    for n in range(bonds):
        bond_id = make_bond(app, agency, first_name=f"Pat{n}")
        with app.app_context(), bound(agency.info, db.session):
            bond = db.session.get(Bond, bond_id)
            bond.defendant.phone = f"30566{n:05d}"
            cosigner = Indemnitor(first_name=f"Lee{n}", last_name="Doe", phone=f"30555{n:05d}")
            bond.cosigners.append(BondIndemnitor(indemnitor=cosigner))
            db.session.add(CourtDate(bond_id=bond_id, starts_at=COURT, court_name="Dade"))
            db.session.commit()


def _statements(app, agency, func, *args) -> int:
    """How many SQL statements `func` sends."""
    seen = []

    def count(*_):
        seen.append(1)

    with app.app_context(), bound(agency.info, db.session):
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            func(*args)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def _day_before_only(app, made):
    """An agency that sends only the day-before reminder, so every planned one is due at DUE."""
    with app.app_context(), bound(made.info, db.session):
        settings.current().reminder_offsets = ["1d"]
        db.session.commit()
    return made


@pytest.fixture
def agency(app, make_agency):
    return _day_before_only(app, make_agency("many", timezone="America/New_York"))


def test_planning_and_queuing_cost_the_same_statements_for_one_court_date_or_many(
    app, redis, agency, make_agency
):
    few = _day_before_only(app, make_agency("few", timezone="America/New_York"))
    _book(app, few, 1)
    _book(app, agency, 12)
    plan_one = _statements(app, few, services.plan, DUE)
    plan_many = _statements(app, agency, services.plan, DUE)
    send_one = _statements(app, few, services.send_due, DUE)
    send_many = _statements(app, agency, services.send_due, DUE)
    assert plan_many == plan_one and send_many == send_one
    with app.app_context(), bound(agency.info, db.session):
        assert db.session.scalar(select(func.count()).select_from(Message)) == 24


def test_one_run_queues_batch_after_batch_until_nothing_is_due(app, redis, agency, monkeypatch):
    _book(app, agency, 5)
    monkeypatch.setattr(services, "BATCH", 3)
    with app.app_context(), bound(agency.info, db.session):
        services.plan(DUE)
        assert services.send_due(DUE)["sent"] == 10  # 4 batches in one run
        statuses = db.session.scalars(select(Reminder.status).distinct()).all()
        assert statuses == ["sent"]
        linked = db.session.scalar(select(func.count()).where(Reminder.message_id.is_not(None)))
        assert linked == 10


def test_a_run_out_of_time_leaves_the_rest_due_for_the_next_tick(app, redis, agency, monkeypatch):
    _book(app, agency, 5)
    monkeypatch.setattr(services, "BATCH", 3)
    monkeypatch.setattr(services, "SEND_SECONDS", 0)
    with app.app_context(), bound(agency.info, db.session):
        services.plan(DUE)
        assert services.send_due(DUE)["sent"] == 3  # one batch, then the time was up
        assert services.next_due(DUE) <= DUE  # still due: the next tick takes the rest
        assert services.send_due(DUE)["sent"] == 3
        pending = db.session.scalar(select(func.count()).where(Reminder.status == "pending"))
        assert pending == 4
