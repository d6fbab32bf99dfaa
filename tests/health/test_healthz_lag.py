"""/healthz and `flask jobs status` show the scheduler's lag; a lagging scheduler never fails the
web check (the container health check would restart web processes, not the scheduler)."""

from __future__ import annotations

import re
from datetime import timedelta

from rq import Queue

from bbp.jobs.periodic import tick
from bbp.kernel.metrics import HEARTBEAT_KEY
from bbp.tenancy.jobs import enqueue
from tests import job_functions


def test_a_scheduler_an_hour_behind_shows_but_healthz_stays_200(app, redis, clock, tenant):
    redis.set(HEARTBEAT_KEY, (clock.now - timedelta(hours=1)).isoformat())
    with app.app_context():
        enqueue(job_functions.leave_mark, "stuck", tenant=tenant.info)
    response = app.test_client().get("/healthz", base_url="http://127.0.0.1:8000")
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.json["scheduler_lag_seconds"] == 3600
    assert response.json["scheduler_behind"] is True
    assert response.json["queue"]["waiting"] == 1


def test_a_fresh_tick_is_not_behind(app, redis, clock):
    with app.app_context():
        tick(clock.now)
    clock.advance(seconds=30)
    response = app.test_client().get("/healthz", base_url="http://localhost")
    assert response.status_code == 200
    assert response.json["scheduler_lag_seconds"] == 30
    assert response.json["scheduler_behind"] is False


def test_no_tick_ever_is_behind_and_still_200(app, redis):
    response = app.test_client().get("/healthz", base_url="http://localhost")
    assert response.status_code == 200
    assert response.json["scheduler_lag_seconds"] is None and response.json["scheduler_behind"]


def test_jobs_status_shows_the_lag_and_the_oldest_waiting_job(app, redis, clock, tenant):
    redis.set(HEARTBEAT_KEY, (clock.now - timedelta(minutes=10)).isoformat())
    with app.app_context():
        enqueue(job_functions.leave_mark, "waiting", tenant=tenant.info)
    clock.advance(minutes=2)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "scheduler lag: 720 s since the last tick BEHIND" in output
    assert "queue default: 1 waiting" in output
    oldest = int(re.search(r"oldest waiting (\d+) s", output).group(1))
    assert 110 <= oldest <= 121  # enqueued just after the clock was frozen, then two minutes
    assert Queue("default", connection=redis).count == 1


def test_jobs_status_without_a_tick(app, redis):
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "scheduler: no tick recorded yet" in output


def test_an_unreadable_heartbeat_is_reported_and_healthz_stays_200(app, redis):
    redis.set(HEARTBEAT_KEY, "not a moment")
    response = app.test_client().get("/healthz", base_url="http://localhost")
    assert response.status_code == 200 and response.json["redis"] == "ok"
    assert response.json["background"] == "error: ValueError"
