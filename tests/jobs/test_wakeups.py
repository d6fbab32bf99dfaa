"""The tick runs a task only for the agencies it is due for, in batches, from public.tenant_wakeups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import delete, event, select, update

from bbp.bonds.models import Bond
from bbp.courts import services as courts
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.jobs import periodic, schedule
from bbp.kernel import wakeups
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.platform import lifecycle
from bbp.platform.provisioning import set_status
from bbp.reminders.models import Reminder
from bbp.tenancy import bound, require_tenant
from bbp.tenancy.models import TenantWakeup
from tests import job_functions
from tests.factories import make_bond

# A Sunday noon UTC; the court date is nine days later, then moved to three days later.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SWEEP = schedule.MINUTE_TASKS_SWEEP  # reminders and check-ins


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _due(app, agency) -> dict[str, datetime]:
    with app.app_context():
        rows = db.session.execute(
            select(TenantWakeup.task, TenantWakeup.due_at).where(
                TenantWakeup.tenant_id == agency.info.id
            )
        ).all()
        db.session.rollback()
        return dict(rows)


def _batches(redis) -> list[tuple[str, list[str]]]:
    return sorted((job.meta["task"], job.meta["tenants"]) for job in Queue(connection=redis).jobs)


def _tick(app, clock, at) -> int:
    clock.set(at)
    with app.app_context():
        return periodic.tick(at)


@pytest.fixture
def book(app, make_agency, clock, redis):
    """Two agencies with a bond each (phones set), run once so that both are settled."""
    clock.set(NOW)
    agencies = [make_agency("wake"), make_agency("idle")]
    _park_others(app, agencies)
    for agency in agencies:
        bond_id = make_bond(app, agency, status="active")
        with app.app_context(), bound(agency.info, db.session):
            db.session.get(Bond, bond_id).defendant.phone = "3055550142"
            db.session.commit()
    assert _tick(app, clock, NOW) >= 8  # both new agencies, every task, due at once
    _work(app, redis)
    return agencies


def _park_others(app, agencies) -> None:
    """Agencies another module left in this worker's database wake far past these tests' times,
    so the counts here are this module's agencies' alone."""
    ours = [agency.info.id for agency in agencies]
    with app.app_context():
        db.session.execute(
            update(TenantWakeup)
            .where(TenantWakeup.tenant_id.not_in(ours))
            .values(due_at=datetime(2100, 1, 1, tzinfo=UTC))
        )
        db.session.commit()


def _sweeps_after(app, agencies, at: datetime) -> None:
    """Move the agencies' tasks past `at`: a safety sweep falls at a minute set by the agency's
    id (periodic.sweep_at), and ids depend on how many agencies earlier tests made in this
    database, so with some ids a sweep lands in the minutes a test spans."""
    with app.app_context():
        db.session.execute(
            update(TenantWakeup)
            .where(TenantWakeup.tenant_id.in_([a.info.id for a in agencies]))
            .where(TenantWakeup.due_at <= at)
            .values(due_at=at + timedelta(hours=1))
        )
        db.session.commit()


def _postpone(app, agency, at: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(TenantWakeup)
            .where(TenantWakeup.tenant_id == agency.info.id, TenantWakeup.due_at < at)
            .values(due_at=at)
        )
        db.session.commit()


def _court_date_in(app, clock, book, agency) -> None:
    """A minute in: a court date within 8 days in `agency`; every agency's safety sweep kept out
    of the next half hour."""
    for each in book:
        _postpone(app, each, NOW + timedelta(minutes=30))
    clock.set(NOW + timedelta(minutes=1))
    _schedule_court(app, agency, datetime(2026, 11, 25, 9, 30))  # Wednesday, within 8 days


def _schedule_court(app, agency, starts_local: datetime) -> None:
    with app.app_context(), bound(agency.info, db.session):
        bond = db.session.scalars(select(Bond)).one()
        courts.schedule(
            bond, courts.CourtDateInput(starts_local, "Dade Circuit", "4-2", "", "hearing", "")
        )


def test_each_task_reports_when_the_agency_next_needs_it(app, book):
    for agency in book:
        due = _due(app, agency)
        assert set(due) == set(wakeups.TASKS)
        # Nothing is due: each task waits for its agency's safety sweep, spread by agency id.
        assert due[wakeups.REMINDERS] == periodic.sweep_at(agency.info.id, NOW, SWEEP)
        assert due[wakeups.POWERS] == periodic.sweep_at(agency.info.id, NOW, timedelta(days=1))
        assert all(NOW < at <= NOW + timedelta(days=1) for at in due.values())


def test_an_agency_with_nothing_due_is_not_touched(app, redis, clock, book):
    statements: list[str] = []
    # Their sweeps fall anywhere in the next hours (by agency id); none in the next few minutes.
    for agency in book:
        assert min(_due(app, agency).values()) > NOW
        _postpone(app, agency, NOW + timedelta(minutes=10))

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(f"{statement} {parameters}")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for minute in range(1, 4):
            _tick(app, clock, NOW + timedelta(minutes=minute))
            _work(app, redis)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements  # the tick did query public.tenant_wakeups
    for agency in book:
        assert not any(agency.info.schema in s for s in statements)
    assert Queue(connection=redis).count == 0


def test_a_court_date_added_in_one_agency_wakes_only_that_agency(app, redis, clock, book):
    busy, idle = book
    _court_date_in(app, clock, book, busy)
    assert _due(app, busy)[wakeups.REMINDERS] == NOW + timedelta(minutes=1)
    assert _tick(app, clock, NOW + timedelta(minutes=2)) == 1
    assert _batches(redis) == [(wakeups.REMINDERS, [busy.slug])]
    _work(app, redis)
    with app.app_context(), bound(busy.info, db.session):
        planned = db.session.scalars(select(Reminder).order_by(Reminder.due_at)).all()
        assert {r.offset_key for r in planned} == {"7d", "3d", "1d", "morning"}
        first = min(r.due_at for r in planned if r.status == "pending")
    # The agency now sleeps until its first reminder is due (or its sweep, if sooner).
    assert _due(app, busy)[wakeups.REMINDERS] == min(
        first, periodic.sweep_at(busy.info.id, NOW + timedelta(minutes=2), SWEEP)
    )
    with app.app_context(), bound(idle.info, db.session):
        assert db.session.scalars(select(Reminder)).all() == []


def test_the_reminder_task_wakes_for_a_court_date_entering_the_planning_horizon(
    app, redis, clock, book
):
    busy, _ = book
    clock.set(NOW + timedelta(minutes=1))
    _schedule_court(app, busy, datetime(2026, 12, 10, 9, 30))  # 18 days ahead: not planned yet
    _tick(app, clock, NOW + timedelta(minutes=2))
    _work(app, redis)
    with app.app_context(), bound(busy.info, db.session):
        assert db.session.scalars(select(Reminder)).all() == []
        starts_at = db.session.scalars(select(CourtDate.starts_at)).one()
    sweep = periodic.sweep_at(busy.info.id, NOW + timedelta(minutes=2), SWEEP)
    assert _due(app, busy)[wakeups.REMINDERS] == min(sweep, starts_at - timedelta(days=8))


def test_the_safety_sweep_catches_a_missed_wake_up(app, redis, clock, book):
    busy, _ = book
    with app.app_context(), bound(busy.info, db.session):
        # Written behind the services' backs: nothing wakes the agency.
        bond = db.session.scalars(select(Bond)).one()
        db.session.add(
            CourtDate(
                bond_id=bond.id,
                starts_at=NOW + timedelta(days=3),
                court_name="Dade Circuit",
                kind="hearing",
            )
        )
        db.session.commit()
    sweep = periodic.sweep_at(busy.info.id, NOW, SWEEP)
    if sweep - timedelta(minutes=1) > NOW:
        _tick(app, clock, sweep - timedelta(minutes=1))
        assert not any(t == wakeups.REMINDERS and busy.slug in s for t, s in _batches(redis))
        _work(app, redis)
    assert _tick(app, clock, sweep) >= 1
    assert any(t == wakeups.REMINDERS and busy.slug in s for t, s in _batches(redis))
    _work(app, redis)
    with app.app_context(), bound(busy.info, db.session):
        assert db.session.scalars(select(Reminder)).all() != []


def test_a_batch_lost_with_redis_is_claimed_again_when_its_lease_runs_out(app, redis, clock, book):
    busy, _ = book
    _court_date_in(app, clock, book, busy)
    assert _tick(app, clock, NOW + timedelta(minutes=2)) == 1
    redis.flushdb()  # the batch job is gone; the database still says the task is leased
    assert _tick(app, clock, NOW + timedelta(minutes=3)) == 0
    lease_over = NOW + timedelta(minutes=2) + periodic.LEASE
    assert _tick(app, clock, lease_over) >= 1
    assert (wakeups.REMINDERS, [busy.slug]) in _batches(redis)
    _work(app, redis)
    with app.app_context(), bound(busy.info, db.session):
        assert db.session.scalars(select(Reminder)).all() != []


def test_a_suspended_agency_still_runs_but_one_pending_deletion_does_not(app, redis, clock, book):
    busy, _ = book
    _court_date_in(app, clock, book, busy)
    with app.app_context():
        set_status(busy.slug, "suspended")  # its defendants' reminders go on
    assert _tick(app, clock, NOW + timedelta(minutes=2)) >= 1
    assert (wakeups.REMINDERS, [busy.slug]) in _batches(redis)
    redis.flushdb()
    with app.app_context():
        lifecycle.schedule_deletion(busy.info.id, "closing", busy.slug)
    assert _due(app, busy) == {}  # forgotten: nothing to claim, nothing counted as lag
    _schedule_court(app, busy, datetime(2026, 11, 26, 9, 30))  # a wake-up from work in flight
    assert _tick(app, clock, NOW + timedelta(minutes=3)) == 0  # is never claimed


def test_one_agency_failing_in_a_batch_does_not_stop_the_others(app, clock, book, monkeypatch):
    busy, idle = book
    ran = []

    def fragile():
        ran.append(require_tenant().slug)
        if len(ran) == 1:
            raise RuntimeError("boom")

    day = timedelta(days=1)
    task = periodic.Task("fragile", fragile, lambda now: now + timedelta(hours=5), day)
    monkeypatch.setitem(app.extensions, periodic.EXTENSION, (task,))
    # The tick comes at idle's daily sweep (its minute is set by its id), an hour or more after
    # the book's repair: its next sweep is a day away, so the task's own answer stands.
    later = periodic.sweep_at(idle.info.id, NOW + periodic.REPAIR_EVERY - timedelta(minutes=1), day)
    assert later >= NOW + periodic.REPAIR_EVERY
    assert periodic.sweep_at(idle.info.id, later, day) == later + day
    clock.set(later)
    assert _tick(app, clock, later) >= 2  # enrolled by the hourly repair, due now
    lease = later + periodic.LEASE
    with app.app_context():
        counts = periodic.run_batch("fragile", [busy.slug, idle.slug], lease.isoformat())
    assert ran == [busy.slug, idle.slug]
    assert counts == {"ran": 1, "failed": 1, "skipped": 0}
    assert _due(app, busy)["fragile"] == lease  # retried when the lease runs out
    assert _due(app, idle)["fragile"] == later + timedelta(hours=5)


def test_a_wake_up_during_a_run_is_kept(app, clock, book):
    busy, _ = book
    lease = NOW + periodic.LEASE
    woken = NOW + timedelta(minutes=1)
    with app.app_context():
        db.session.execute(
            TenantWakeup.__table__.update()
            .where(TenantWakeup.tenant_id == busy.info.id, TenantWakeup.task == "reminders")
            .values(due_at=woken)  # a service woke the agency while the batch ran
        )
        db.session.commit()
        periodic.report(busy.info.id, "reminders", lease, NOW + timedelta(hours=1))
    assert _due(app, busy)[wakeups.REMINDERS] == woken


def test_reminders_survive_a_flushed_redis_and_workers_down_for_an_hour(app, redis, clock, book):
    busy, idle = book
    clock.set(NOW + timedelta(minutes=1))
    _schedule_court(app, busy, datetime(2026, 11, 25, 9, 30))
    _tick(app, clock, NOW + timedelta(minutes=2))
    _work(app, redis)  # planned; the 7d reminder waits for quiet hours to end (8 AM in New York)
    with app.app_context(), bound(busy.info, db.session):
        waiting = db.session.scalars(
            select(Reminder.due_at).where(Reminder.status == "pending").order_by(Reminder.due_at)
        ).first()
    assert _due(app, busy)[wakeups.REMINDERS] <= waiting
    _tick(app, clock, waiting)
    redis.flushdb()  # the batch is lost, and no worker runs for an hour
    back = waiting + timedelta(hours=1, minutes=5)
    assert _tick(app, clock, back) >= 1
    _work(app, redis)
    _tick(app, clock, back + timedelta(minutes=1))  # a later run sends nothing twice
    _work(app, redis)
    with app.app_context(), bound(busy.info, db.session):
        rows = db.session.scalars(select(Reminder)).all()
        sent = [r for r in rows if r.status == "sent"]
        texts = db.session.scalars(select(Message).where(Message.purpose == "reminder")).all()
        assert [r.offset_key for r in sent] == ["7d"]  # late by an hour, still useful
        assert len(texts) == len(sent)
        assert {t.dedupe_key for t in texts} == {f"reminder:{r.id}" for r in sent}
        assert all(t.status == "sent" for t in texts)
    with app.app_context(), bound(idle.info, db.session):
        assert db.session.scalars(select(Message)).all() == []


def test_the_texts_task_sends_a_text_whose_job_redis_lost(app, redis, clock, book):
    busy, idle = book
    watch = NOW + messaging.WATCH_AFTER
    _sweeps_after(app, book, watch)  # texts too: a sweep before `watch` would come before the text
    with app.app_context(), bound(busy.info, db.session):
        messaging.queue("3055550142", "Court moved to Friday", "one_off")
        db.session.execute(update(Message).values(updated_at=NOW))  # the database's clock
        db.session.commit()  # is not the frozen one
    assert _due(app, busy)[wakeups.TEXTS] == watch  # only this agency, only its texts task
    assert _due(app, idle)[wakeups.TEXTS] > watch
    redis.flushdb()  # the drain job is gone
    assert _tick(app, clock, watch) == 1
    assert _batches(redis) == [(wakeups.TEXTS, [busy.slug])]
    _work(app, redis)  # the texts task re-queues the drain
    _work(app, redis)  # which sends it
    with app.app_context(), bound(busy.info, db.session):
        assert db.session.scalars(select(Message.status)).all() == ["sent"]


def _statements_of_tick(app, clock, at) -> list[tuple[str, int]]:
    """(statement, rows it returned or changed) for every statement one tick sends."""
    seen: list[tuple[str, int]] = []

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, cursor.rowcount))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", after)
    try:
        _tick(app, clock, at)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    return seen


def test_an_idle_tick_touches_no_row_and_costs_the_same_however_many_agencies(
    app, redis, clock, book, make_agency
):
    for agency in book:
        _postpone(app, agency, NOW + timedelta(minutes=30))
    few = _statements_of_tick(app, clock, NOW + timedelta(minutes=1))
    clock.set(NOW + timedelta(minutes=1))
    for agency in [make_agency("more") for _ in range(3)]:
        _postpone(app, agency, NOW + timedelta(minutes=30))
    many = _statements_of_tick(app, clock, NOW + timedelta(minutes=2))
    assert few == many  # the same statements, returning the same number of rows: none
    platform = [(s, rows) for s, rows in few if "public." in s]
    assert platform and all(rows == 0 for _, rows in platform)
    assert not any(s.lstrip().upper().startswith("INSERT") for s, _ in few)
    assert Queue(connection=redis).count == 0


def test_an_agency_is_enrolled_when_created_kept_while_suspended_forgotten_while_deleting(
    app, redis, clock, make_agency
):
    clock.set(NOW)
    agency = make_agency("fresh")
    assert _due(app, agency) == dict.fromkeys(wakeups.TASKS, NOW)  # every task, at the next tick
    with app.app_context():
        set_status(agency.slug, "suspended")
    assert _due(app, agency) == dict.fromkeys(wakeups.TASKS, NOW)  # reminders go on
    with app.app_context():
        lifecycle.schedule_deletion(agency.info.id, "closing", agency.slug)
    assert _due(app, agency) == {}  # nothing to claim, nothing counted as lag
    clock.set(NOW + timedelta(days=2))
    with app.app_context():
        lifecycle.undo_deletion(agency.info.id, "asked by mistake")
    assert _due(app, agency) == dict.fromkeys(wakeups.TASKS, NOW + timedelta(days=2))


def test_the_hourly_repair_adds_a_task_a_deploy_added_and_drops_one_it_removed(
    app, redis, clock, book, monkeypatch
):
    added = periodic.Task("added", job_functions.whoami, job_functions.no_news, SWEEP)
    installed = app.extensions[periodic.EXTENSION]  # the schedule and billing's task
    kept = tuple(t for t in installed if t.name != wakeups.REMINDERS)
    monkeypatch.setitem(app.extensions, periodic.EXTENSION, (*kept, added))
    for agency in book:
        _postpone(app, agency, NOW + timedelta(hours=3))
    assert _tick(app, clock, NOW + timedelta(minutes=59)) == 0  # the book's tick repaired at NOW
    assert "added" not in _due(app, book[0])
    assert _tick(app, clock, NOW + timedelta(hours=1)) >= 2
    [(task, slugs)] = _batches(redis)
    assert task == "added" and {a.slug for a in book} <= set(slugs)
    for agency in book:
        assert set(_due(app, agency)) == {*wakeups.TASKS, "added"} - {wakeups.REMINDERS}


def test_tenants_migrate_enrols_an_agency_that_lacks_its_rows(app, redis, clock, make_agency):
    clock.set(NOW)
    agency = make_agency("bare")
    with app.app_context():
        db.session.execute(delete(TenantWakeup).where(TenantWakeup.tenant_id == agency.info.id))
        db.session.commit()
    clock.set(NOW + timedelta(minutes=5))
    result = app.test_cli_runner().invoke(args=["tenants", "migrate", "--only", agency.slug])
    assert result.exit_code == 0, result.output
    assert _due(app, agency) == dict.fromkeys(wakeups.TASKS, NOW + timedelta(minutes=5))
