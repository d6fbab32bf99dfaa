"""/healthz and `flask jobs status` show the scheduler's lag, read from the index of due work; a
lagging scheduler never fails the web check (the container health check would restart web
processes, not the scheduler).

The clock is set to a moment long before any agency another test made could be due, so the lag
these tests read comes only from the rows they write."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from rq import Queue

from bbp.extensions import db
from bbp.jobs.periodic import tick
from bbp.kernel import wakeups
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from tests import job_functions

EARLY = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)


def wake_at(app, agency, at: datetime) -> None:
    """The agency has reminders due at `at` that no tick has queued."""
    with app.app_context(), bound(agency.info, db.session):
        wakeups.wake(wakeups.REMINDERS, at)
        db.session.commit()


def health(app) -> dict:
    response = app.test_client().get("/healthz", base_url="http://127.0.0.1:8000")
    assert response.status_code == 200 and response.json["status"] == "ok"
    return response.json


def test_work_due_an_hour_ago_and_not_queued_shows_but_healthz_stays_200(app, redis, clock, tenant):
    clock.set(EARLY)
    wake_at(app, tenant, EARLY - timedelta(hours=1))
    with app.app_context():
        enqueue(job_functions.leave_mark, "stuck", tenant=tenant.info)
    found = health(app)
    assert found["scheduler_lag_seconds"] == 3600
    assert found["scheduler_behind"] is True
    assert found["queue"]["waiting"] == 1


def test_work_a_tick_has_queued_is_not_lag(app, redis, clock, tenant):
    clock.set(EARLY)
    wake_at(app, tenant, EARLY - timedelta(seconds=50))
    assert health(app)["scheduler_lag_seconds"] == 50
    with app.app_context():
        assert tick(EARLY) >= 1
    clock.advance(seconds=30)
    found = health(app)
    assert found["scheduler_lag_seconds"] == 0 and found["scheduler_behind"] is False
    assert found["queue"]["waiting"] >= 1  # queued, not yet run: the queue's age says so


def test_the_oldest_unqueued_item_sets_the_lag(app, redis, clock, tenant, other_tenant):
    clock.set(EARLY)
    wake_at(app, tenant, EARLY - timedelta(seconds=20))
    wake_at(app, other_tenant, EARLY - timedelta(seconds=200))
    assert health(app)["scheduler_lag_seconds"] == 200


def test_nothing_due_is_no_lag_and_no_scheduler_is_shown(app, redis, clock):
    clock.set(EARLY)
    found = health(app)
    assert found["scheduler_lag_seconds"] == 0 and found["scheduler_behind"] is False
    assert found["schedulers"] == 0


def test_jobs_status_shows_the_lag(app, redis, clock, tenant):
    clock.set(EARLY)
    wake_at(app, tenant, EARLY - timedelta(minutes=10))
    clock.advance(minutes=2)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "scheduler lag: 720 s (oldest due work not yet queued) BEHIND" in output
    assert "no scheduler running: start `flask scheduler`" in output


def test_jobs_status_with_nothing_due(app, redis, clock):
    clock.set(EARLY)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "scheduler lag: 0 s (oldest due work not yet queued); no scheduler running" in output
    assert "BEHIND" not in output


def test_jobs_status_shows_the_oldest_waiting_job(app, redis, clock, tenant):
    with app.app_context():
        enqueue(job_functions.leave_mark, "waiting", tenant=tenant.info)
    clock.advance(minutes=2)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "queue default: 1 waiting" in output
    oldest = int(re.search(r"oldest waiting (\d+) s", output).group(1))
    assert 110 <= oldest <= 121  # enqueued just after the clock was frozen, then two minutes
    assert Queue("default", connection=redis).count == 1
