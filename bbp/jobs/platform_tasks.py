"""Platform tasks: daily work outside any agency (purging agencies past their deletion grace).

Tenant tasks run per agency from `public.tenant_wakeups` (bbp/jobs/periodic.py); a platform task
runs once a UTC day for the whole platform. `flask scheduler` queues `run_due` every hour; the
first run of a day claims that day for each task in Redis (SET NX, so two schedulers never
double it) and runs it in the worker. The factory installs the list (`install`), as it does the
tenant schedule, so bbp.jobs never imports the platform package. The tasks read what is due from
the database, so a day claimed by a run that then failed is made up by the next day's run, and
an operator can run one by hand (`flask tenants purge-due`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from flask import Flask, current_app

from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.tenancy.jobs import job_app

log = logging.getLogger(__name__)
EXTENSION = "bbp.platform_tasks"
CRON = "17 * * * *"  # hourly: a day's run starts within the hour, whenever the scheduler started
CLAIM_SECONDS = 2 * 24 * 3600


class PlatformTask(NamedTuple):
    """Work for the whole platform, once a day: a no-argument function that commits its own."""

    name: str
    run: Callable[[], object]


def install(app: Flask, tasks: tuple[PlatformTask, ...]) -> None:
    """Give the app its daily platform tasks."""
    app.extensions[EXTENSION] = tuple(tasks)


def tasks() -> tuple[PlatformTask, ...]:
    """The current app's platform tasks."""
    return current_app.extensions.get(EXTENSION, ())


def run_due(now: datetime | None = None) -> dict[str, object]:
    """Run each platform task not yet run today (UTC); returns what each one reported."""
    with job_app().app_context():
        now = now or utcnow()
        redis, ran = redis_client(), {}
        for task in tasks():
            key = platform_key("scheduler", "daily", task.name, now.strftime("%Y%m%d"))
            if not redis.set(key, "1", nx=True, ex=CLAIM_SECONDS):
                continue
            try:
                ran[task.name] = task.run()
            except Exception:
                log.exception("platform task %s failed; it runs again tomorrow", task.name)
                ran[task.name] = "failed"
            finally:
                db.session.remove()
        return ran
