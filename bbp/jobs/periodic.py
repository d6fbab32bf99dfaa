"""The scheduler's minute tick: fan periodic work out to every active tenant, once per minute.

The tasks are the app's, installed by the factory from the one list in `bbp/jobs/schedule.py`
(never registered as a side effect of importing a feature). Two schedulers running at once
cannot double the fan-out: each minute is claimed with SET NX in Redis before anything is
enqueued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select

from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.tenancy import TenantInfo
from bbp.tenancy.jobs import enqueue, job_app
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

log = logging.getLogger(__name__)
HEARTBEAT_KEY = platform_key("scheduler", "last_tick")
EXTENSION = "bbp.periodic_tasks"
Task = tuple[Callable[[], object], int]


def install(app: Flask, schedule: tuple[Task, ...]) -> None:
    """Give the app its periodic tenant tasks: (function, every how many minutes) pairs."""
    app.extensions[EXTENSION] = tuple(schedule)


def tasks() -> tuple[Task, ...]:
    """The current app's periodic tenant tasks."""
    return current_app.extensions.get(EXTENSION, ())


def active_tenants() -> list[TenantInfo]:
    """Every active tenant, by slug."""
    slugs = db.session.scalars(
        select(Tenant.slug).where(Tenant.status == "active").order_by(Tenant.slug)
    ).all()
    db.session.rollback()
    return [t for t in (tenant_by_slug(s) for s in slugs) if t is not None]


def tick(now: datetime | None = None) -> int:
    """Claim this minute and enqueue every periodic task for every active tenant."""
    with job_app().app_context():
        now = now or utcnow()
        minute = now.strftime("%Y%m%d%H%M")
        redis = redis_client()
        redis.set(HEARTBEAT_KEY, now.isoformat())
        if not redis.set(platform_key("scheduler", "tick", minute), "1", nx=True, ex=3600):
            log.debug("tick %s already claimed by another scheduler", minute)
            return 0
        minute_of_day = now.hour * 60 + now.minute
        due = [task for task, every in tasks() if minute_of_day % every == 0]
        count = 0
        for tenant in active_tenants() if due else []:
            for task in due:
                enqueue(task, tenant=tenant)
                count += 1
        return count
