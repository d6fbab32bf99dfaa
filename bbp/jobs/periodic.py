"""The scheduler's minute tick: run each periodic task for the agencies it is due for, in batches.

The tasks are the app's, installed by the factory from the one list in `bbp/jobs/schedule.py`
(never registered as a side effect of importing a feature). Each agency has one row per task in
`public.tenant_wakeups` saying when that task is next needed there. Each minute the tick:

1. claims the minute in Redis (SET NX), so two schedulers never double the work;
2. once an hour, repairs the rows (`bbp.kernel.wakeups.repair`): agencies get theirs when they
   are created or reactivated, so only a task added by a deploy or a hand-made agency needs it;
3. claims every due row of a working agency (active or suspended) in ONE statement, moving it
   to now + LEASE, so a batch lost with Redis (or a dead worker) is claimed again when the lease
   runs out;
4. enqueues one job per task per BATCH agencies (`run_batch`), not one job per agency.

Work for the whole platform (purging deleted agencies) runs daily: bbp/jobs/platform_tasks.py.

`run_batch` binds each agency in turn, runs the task, asks the task when the agency next needs
it, and writes that time, capped by the agency's safety sweep (each task runs at least once per
its `sweep` for every agency, at a minute spread by agency id). One agency's failure is logged
and leaves its lease in place (it is retried when the lease runs out); the others go on.
Services pull a time earlier with `bbp.kernel.wakeups.wake` when what is due changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask import Flask, current_app
from rq import Queue
from rq.timeouts import JobTimeoutException
from sqlalchemy import and_, case, func, select, update

from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.kernel.metrics import note_tick
from bbp.kernel.wakeups import repair
from bbp.tenancy import TenantInfo, bound
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.models import WORKING_STATUSES, Tenant, TenantWakeup
from bbp.tenancy.resolver import tenant_by_slug

log = logging.getLogger(__name__)
REPAIRED_KEY = platform_key("scheduler", "repaired")
REPAIR_EVERY = timedelta(hours=1)
EXTENSION = "bbp.periodic_tasks"
LEASE = timedelta(minutes=10)  # a claimed task not reported back by then is claimed again
BATCH = 100  # agencies per job
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Task(NamedTuple):
    """A periodic tenant task: run it, then ask when the bound agency next needs it."""

    name: str  # its row in tenant_wakeups, and what services wake (bbp.kernel.wakeups)
    run: Callable[[], object]  # works on the bound agency and commits its own work
    next_due: Callable[[datetime], datetime | None]  # None: only the safety sweep
    sweep: timedelta  # every agency runs the task at least this often, whatever it says


def install(app: Flask, schedule: tuple[Task, ...]) -> None:
    """Give the app its periodic tenant tasks."""
    app.extensions[EXTENSION] = tuple(schedule)


def tasks() -> tuple[Task, ...]:
    """The current app's periodic tenant tasks."""
    return current_app.extensions.get(EXTENSION, ())


def working_tenants() -> list[TenantInfo]:
    """Every tenant whose work runs (active or suspended), by slug."""
    slugs = db.session.scalars(
        select(Tenant.slug).where(Tenant.status.in_(WORKING_STATUSES)).order_by(Tenant.slug)
    ).all()
    db.session.rollback()
    return [t for t in (tenant_by_slug(s) for s in slugs) if t is not None]


def _task(name: str) -> Task:
    return next(task for task in tasks() if task.name == name)


def sweep_at(tenant_id: int, now: datetime, every: timedelta) -> datetime:
    """The agency's next safety-sweep moment after `now`: once per `every`, at an offset spread
    by its id, so a thousand agencies do not all come due in the same minute."""
    minutes = max(int(every.total_seconds() // 60), 1)
    offset = timedelta(minutes=(tenant_id * 7919) % minutes)
    periods = (now - EPOCH - offset) // every + 1
    return EPOCH + offset + periods * every


def repair_due(redis, now: datetime) -> bool:
    """Once an hour by the app's clock (sooner if Redis lost the mark or the clock went back)."""
    mark = redis.get(REPAIRED_KEY)
    last = datetime.fromisoformat(mark.decode()) if mark else None
    return last is None or not last <= now < last + REPAIR_EVERY


def claim(now: datetime) -> list[tuple[str, str, int]]:
    """Every due (task, slug, tenant id) of a working agency, leased in one statement."""
    names = [task.name for task in tasks()]
    due = (
        select(TenantWakeup.tenant_id, TenantWakeup.task)
        .join(Tenant, Tenant.id == TenantWakeup.tenant_id)
        .where(
            TenantWakeup.due_at <= now,
            TenantWakeup.task.in_(names),
            Tenant.status.in_(WORKING_STATUSES),
        )
        .with_for_update(of=TenantWakeup, skip_locked=True)
        .subquery()
    )
    rows = db.session.execute(
        update(TenantWakeup)
        .where(and_(TenantWakeup.tenant_id == due.c.tenant_id, TenantWakeup.task == due.c.task))
        .values(due_at=now + LEASE)
        .returning(TenantWakeup.task, TenantWakeup.tenant_id)
    ).all()
    if not rows:
        return []
    slugs = dict(
        db.session.execute(
            select(Tenant.id, Tenant.slug).where(Tenant.id.in_({r.tenant_id for r in rows}))
        ).all()
    )
    return sorted((r.task, slugs[r.tenant_id], r.tenant_id) for r in rows)


def tick(now: datetime | None = None) -> int:
    """Claim this minute and enqueue the due tasks in batches; returns how many agency-tasks."""
    with job_app().app_context():
        now = now or utcnow()
        minute = now.strftime("%Y%m%d%H%M")
        redis = redis_client()
        if not redis.set(platform_key("scheduler", "tick", minute), "1", nx=True, ex=3600):
            log.debug("tick %s already claimed by another scheduler", minute)
            return 0
        note_tick(redis, now)
        try:
            repairing = repair_due(redis, now)
            if repairing:
                repair(now, [task.name for task in tasks()])
            claimed = claim(now)
            db.session.commit()
        finally:
            db.session.remove()
        if repairing:
            redis.set(REPAIRED_KEY, now.isoformat())
        queue = Queue(DEFAULT_QUEUE, connection=redis)
        lease, minute_at = (now + LEASE).isoformat(), now.isoformat()
        by_task: dict[str, list[str]] = {}
        for name, slug, _ in claimed:
            by_task.setdefault(name, []).append(slug)
        for name, slugs in by_task.items():
            for start in range(0, len(slugs), BATCH):
                chunk = slugs[start : start + BATCH]
                queue.enqueue(
                    run_batch,
                    name,
                    chunk,
                    lease,
                    minute_at,
                    description=f"{name} for {len(chunk)} agencies",
                    meta={"task": name, "tenants": chunk},
                )
        return len(claimed)


def run_batch(name: str, slugs: list[str], lease: str, ticked: str | None = None) -> dict[str, int]:
    """Worker side: run one task for each agency in turn; one agency's failure stays its own.

    Next times count from now, or from the tick's minute if that is later (a tick run for a
    minute ahead, as the benchmark does, must not leave agencies due behind it)."""
    counts = {"ran": 0, "failed": 0, "skipped": 0}
    floor = datetime.fromisoformat(ticked) if ticked else None
    with job_app().app_context():
        task = _task(name)
        for slug in slugs:
            tenant = tenant_by_slug(slug)
            if tenant is None or not tenant.working:
                counts["skipped"] += 1
                continue
            try:
                with bound(tenant, db.session):
                    try:
                        task.run()
                        now = max(utcnow(), floor or utcnow())
                        wanted = task.next_due(now)
                        db.session.rollback()
                    finally:
                        db.session.remove()
                later = sweep_at(tenant.id, now, task.sweep)
                report(tenant.id, name, datetime.fromisoformat(lease), min(wanted or later, later))
                counts["ran"] += 1
            except JobTimeoutException:
                db.session.remove()
                raise  # the batch ran out of time: fail it; unrun agencies keep their lease
            except Exception:
                db.session.remove()
                log.exception("periodic task %s failed for agency %s", name, slug)
                counts["failed"] += 1  # its lease stays: claimed again when it runs out
    return counts


def report(tenant_id: int, name: str, lease: datetime, due_at: datetime) -> None:
    """Write when the agency next needs the task, unless a wake-up came in meanwhile (then the
    earlier of the two stands)."""
    db.session.execute(
        update(TenantWakeup)
        .where(TenantWakeup.tenant_id == tenant_id, TenantWakeup.task == name)
        .values(
            due_at=case(
                (TenantWakeup.due_at == lease, due_at),
                else_=func.least(TenantWakeup.due_at, due_at),
            )
        )
    )
    db.session.commit()
    db.session.remove()
