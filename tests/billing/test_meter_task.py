"""The `meter` tenant task: run by the scheduler's batch in one agency's context, it asks to run
again when the next hour has closed and settled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bbp.billing import metering, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.jobs import periodic
from bbp.kernel import wakeups
from bbp.tenancy.models import TenantWakeup
from tests.billing.meter_support import at, events, ledger, metered_agency, send_texts


@pytest.fixture
def no_sweep_soon(monkeypatch):
    """Read the meter task's own answer: the daily safety sweep falls at a minute set by the
    agency's id, which earlier tests decide, and caps that answer when it comes sooner (a cap
    tests/jobs/test_wakeups.py covers)."""
    monkeypatch.setattr(periodic, "sweep_at", lambda tenant_id, now, every: now + every)


def _run_task(app, agency, now) -> object:
    """Claim the agency's meter task at `now`, run its batch, and return its next due time."""
    lease = now + periodic.LEASE
    row = (TenantWakeup.tenant_id == agency.info.id, TenantWakeup.task == wakeups.METER)
    with app.app_context():
        db.session.execute(update(TenantWakeup).where(*row).values(due_at=lease))
        db.session.commit()
        counts = periodic.run_batch(wakeups.METER, [agency.slug], lease.isoformat())
        assert counts["ran"] == 1
        due = db.session.scalar(select(TenantWakeup.due_at).where(*row))
        db.session.rollback()
        return due


def test_a_subscription_wakes_the_meter_task_and_the_task_reports_in_the_agencys_context(
    app, make_agency, clock, no_sweep_soon
):
    agency = metered_agency(app, make_agency, clock)
    with app.app_context():
        due = db.session.scalar(
            select(TenantWakeup.due_at).where(
                TenantWakeup.tenant_id == agency.info.id, TenantWakeup.task == wakeups.METER
            )
        )
    assert due <= clock.now  # the next tick runs it
    send_texts(app, agency, (at(9, 20), 5))
    offset = metering.spread(agency.info.id)
    clock.set(at(13, 4))
    # 12:00-13:00 settles at 13:05; the agency's turn is a few minutes after, by its id.
    assert _run_task(app, agency, clock.now) == at(13, 5) + offset
    assert ledger(app, agency) == [(at(9), 5, "reported")]
    clock.set(at(13, 5) + offset)
    assert _run_task(app, agency, clock.now) == at(14, 5) + offset


def test_agencies_report_at_minutes_spread_by_their_ids(app):
    offsets = {metering.spread(tenant_id) for tenant_id in range(1, 101)}
    assert len(offsets) == 30 and max(offsets) < timedelta(minutes=30)


def test_an_agency_without_metered_billing_waits_for_its_daily_sweep(app, make_agency, clock):
    clock.set(at(13, 4))
    agency = make_agency("unbilled")
    due = _run_task(app, agency, clock.now)
    assert due == periodic.sweep_at(agency.info.id, clock.now, timedelta(days=1))


def test_a_failed_send_is_retried_in_ten_minutes(
    app, make_agency, clock, monkeypatch, no_sweep_soon
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    with app.app_context():
        fake = stripe_api.fake()

    def down(params):
        raise StripeFault(500, "An unknown error occurred", "api_error")

    working = fake._create_meter_event
    monkeypatch.setattr(fake, "_create_meter_event", down)
    turn = at(13, 5) + metering.spread(agency.info.id)
    clock.set(turn)
    assert _run_task(app, agency, clock.now) == turn + timedelta(minutes=10)  # not in an hour
    assert ledger(app, agency) == [(at(9), 5, "pending")]
    monkeypatch.setattr(fake, "_create_meter_event", working)  # Stripe is back
    clock.set(turn + timedelta(minutes=10))
    assert _run_task(app, agency, clock.now) == turn + timedelta(hours=1)
    assert [e["payload"]["value"] for e in events(app, agency)] == ["5"]
