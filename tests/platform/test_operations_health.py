"""System health on the console: what /healthz checks, in detail, for every admin role; with
Redis down the page still renders and says so."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue, SimpleWorker

from bbp.extensions import db
from bbp.jobs.periodic import tick
from bbp.kernel import wakeups
from bbp.platform.roles import ADMIN_ROLES
from bbp.tenancy import bound

PAGE = "/platform/operations/"
# Long before any agency another test made could be due: the lag comes from this test's row.
EARLY = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@contextmanager
def redis_down(app):
    """Every Redis call of the app fails to connect, as when the server is gone."""
    kept = app.extensions["redis"]
    app.extensions["redis"] = Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    try:
        yield
    finally:
        app.extensions["redis"] = kept


def test_every_role_sees_the_database_redis_workers_scheduler_and_schemas(
    app, redis, console_as, tenant
):
    worker = SimpleWorker([Queue("pdf", connection=redis), Queue("default", connection=redis)],
                          connection=redis, name="ops-test-worker")  # fmt: skip
    worker.register_birth()
    try:
        for role in ADMIN_ROLES:
            response = console_as(role).get(PAGE)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            words = _words(page)
            assert "PostgreSQL" in words and "connections" in words and " ms" in words
            assert re.search(r"used \(peak [^;]+; (no memory limit|limit \S+)\)", words)  # Redis
            assert "limit no limit" not in words
            assert "ops-test-worker" in page and "pdf, default" in words
            assert "Agencies behind head" in words and "Spare schemas ready" in words
            assert "Public schema: 0 migrations pending" in words
            assert "Down" not in words
    finally:
        worker.register_death()


def test_the_last_tick_and_the_lag_show(app, redis, clock, console_as, tenant):
    clock.set(EARLY)
    with app.app_context():
        tick()
    clock.advance(minutes=20)
    with app.app_context(), bound(tenant.info, db.session):  # due 10 minutes ago, not queued
        wakeups.wake(wakeups.REMINDERS, EARLY + timedelta(minutes=10))
        db.session.commit()
    words = _words(console_as("finance").get(PAGE).get_data(as_text=True))
    assert "Scheduler lag 600 s Behind 0 schedulers running" in words
    assert "last tick Jan 1, 2001 12:00 PM" in words


def test_with_redis_down_the_page_renders_and_says_so(app, console_as, tenant):
    console = console_as("support")
    with redis_down(app):
        response = console.get(PAGE)
    assert response.status_code == 200
    words = _words(response.get_data(as_text=True))
    assert "Redis Down" in words and "Redis is down" in words
    assert "Unknown while Redis is down" in words
    assert "PostgreSQL" in words  # the database still reports, and so do the schemas
    assert "Agencies behind head 0" in words and "Public schema: 0 migrations pending" in words


def test_with_redis_down_jobs_and_migrations_say_so_instead_of_failing(app, console_as):
    console = console_as("superadmin")
    with redis_down(app):
        pages = [
            console.get(p) for p in ("/platform/operations/jobs", "/platform/operations/migrations")
        ]
    for response in pages:
        assert response.status_code == 503
        assert "Redis is down, so queues and jobs cannot be read" in response.get_data(as_text=True)
