"""Migrating every agency from the console: one background run at a time, a live progress bar,
per-agency failures with their error, audited; each agency's revision against head."""

from __future__ import annotations

import re

from alembic import command
from rq import Queue, SimpleWorker
from sqlalchemy import select, text

from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import set_search_path
from bbp.tenancy.schema import alembic_config, current_revision, head_revision

PAGE = "/platform/operations/migrations"


def _downgrade_to_base(app, schema: str) -> None:
    with app.app_context(), db.engine.begin() as conn:
        set_search_path(conn, schema)
        cfg = alembic_config()
        cfg.attributes.update(connection=conn, schema=schema)
        command.downgrade(cfg, "base")


def _work(app, redis) -> None:
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _actions(app) -> list[tuple[str, dict | None]]:
    with app.app_context():
        query = select(PlatformAuditEntry).where(PlatformAuditEntry.action.like("platform.%"))
        rows = db.session.scalars(query.order_by(PlatformAuditEntry.id)).all()
        return [(row.action, row.after) for row in rows]


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_run_upgrades_every_agency_and_reports_the_broken_one(
    app, redis, console_as, make_agency
):
    current, behind, broken = make_agency("cur"), make_agency("behind"), make_agency("broken")
    _downgrade_to_base(app, behind.info.schema)
    _downgrade_to_base(app, broken.info.schema)
    with app.app_context(), db.engine.begin() as conn:  # its first migration will fail
        conn.execute(text(f'CREATE TABLE "{broken.info.schema}".users (id int)'))
    console = console_as("superadmin")

    before = _words(console.get(PAGE).get_data(as_text=True))
    assert "2 agencies are behind head" in before
    only = console.get(f"{PAGE}?behind=1").get_data(as_text=True)
    assert behind.slug in only and broken.slug in only and current.slug not in only
    started = console.post(PAGE)
    assert started.status_code == 302
    queued = console.get(PAGE, htmx=True).get_data(as_text=True)
    assert "<html" not in queued and 'hx-trigger="every 1s"' in queued
    assert "Waiting for a worker" in queued
    _work(app, redis)

    fragment = console.get(PAGE, htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and "hx-trigger" not in fragment  # done: polling stops
    words = _words(fragment)
    assert re.search(r"Failed \d+", words) and "Failed 1 " in words
    assert broken.slug in fragment and "SQLSTATE 42P07" in fragment  # duplicate table
    assert "already exists" not in fragment  # a database message may quote the agency's rows
    assert current.slug not in fragment and behind.slug not in fragment
    with app.app_context(), db.engine.connect() as conn:
        assert current_revision(conn, behind.info.schema) == head_revision()
        assert current_revision(conn, broken.info.schema) is None
    (started_action, started_after), (finished_action, after) = _actions(app)[-2:]
    assert started_action == "platform.migration_started" and started_after["agencies"] >= 3
    assert finished_action == "platform.migration_finished"
    assert after["failed"] == 1 and after["upgraded"] >= 1 and after["skipped"] >= 1
    assert after["failed_agencies"] == [broken.slug]
    assert "1 agency is behind head" in _words(console.get(PAGE).get_data(as_text=True))


def test_a_second_click_shows_the_running_run_instead_of_starting_another(
    app, redis, console_as, tenant
):
    console = console_as("superadmin")
    console.post(PAGE)
    again = console.post(PAGE)
    assert again.status_code == 302
    page = console.get(PAGE).get_data(as_text=True)
    assert "A migration run is already going" in page
    assert "Show the running migration" in page
    assert Queue("default", connection=redis).count == 1
    assert [a for a, _ in _actions(app)].count("platform.migration_started") >= 1
    _work(app, redis)
    assert "Migrate every agency" in console.get(PAGE).get_data(as_text=True)


def test_a_run_whose_job_vanished_is_shown_failed_and_frees_the_next(
    app, redis, clock, console_as, tenant
):
    console = console_as("superadmin")
    console.post(PAGE)
    Queue("default", connection=redis).empty()  # the job is gone before any worker took it
    assert "Waiting for a worker" in console.get(PAGE).get_data(as_text=True)  # just queued
    clock.advance(minutes=1)
    page = console.get(PAGE).get_data(as_text=True)
    assert "The worker stopped before the run finished." in page
    console.post(PAGE)
    assert Queue("default", connection=redis).count == 1


def test_support_sees_revisions_but_no_button_and_finance_is_refused(console_as, tenant):
    support = console_as("support").get(PAGE).get_data(as_text=True)
    assert tenant.slug in support and head_revision() in support
    assert "Migrate every agency" not in support
    assert console_as("finance").get(PAGE).status_code == 403
