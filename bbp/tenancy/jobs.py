"""Tenant-aware RQ jobs: enqueue for a tenant; the worker runs the job bound to that tenant.

Jobs run in the app of the worker that took them: `flask worker` builds the app and hands it
over with `provide_app` (its forked work horses inherit it); each job gets a fresh app context
of that app. This module never builds an app itself.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import Queue
from rq.job import Job

from bbp.extensions import db, redis_client
from bbp.tenancy.context import TenantInfo, bound, require_tenant
from bbp.tenancy.resolver import tenant_by_slug

log = logging.getLogger(__name__)
DEFAULT_QUEUE = "default"


class TenantUnavailable(RuntimeError):
    """The job's tenant no longer exists."""


def dotted_path(func: Callable) -> str:
    """module:qualname of a module-level function, so the worker can import it."""
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(
    func: Callable,
    *args: Any,
    tenant: TenantInfo | None = None,
    queue: str = DEFAULT_QUEUE,
    job_options: dict | None = None,
    delay: timedelta | None = None,
    **kwargs: Any,
) -> Job:
    """Queue `func(*args, **kwargs)` to run in `tenant`'s context (default: the bound tenant),
    after `delay` if given (RQ's scheduler, which every `flask worker` runs, moves it on)."""
    tenant = tenant or require_tenant()
    options = {"meta": {"tenant": tenant.slug}, **(job_options or {})}
    rq_queue = Queue(queue, connection=redis_client())
    put = rq_queue.enqueue if delay is None else partial(rq_queue.enqueue_in, delay)
    return put(
        run_in_tenant,
        tenant.slug,
        dotted_path(func),
        args,
        kwargs,
        description=f"[{tenant.slug}] {func.__qualname__}",
        **options,
    )


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


_worker_app: Flask | None = None


def provide_app(app: Flask) -> None:
    """Name the app this process's jobs run in when no app context is pushed (the worker's)."""
    global _worker_app
    _worker_app = app


def job_app() -> Flask:
    """The app a job runs in: the current app, else the one the worker provided."""
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        raise RuntimeError("no app for this job: run workers with `flask worker`")
    return _worker_app


def task_of(job: Job) -> str:
    """The function a job runs: the tenant task for run_in_tenant jobs, the periodic task for a
    batch, else the job's own."""
    if job.func_name == TENANT_RUNNER and len(job.args) > 1:
        return str(job.args[1])
    if "task" in job.meta:  # a periodic batch: one task for many agencies
        return f"periodic:{job.meta['task']}"
    return job.func_name or "unknown"


def run_in_tenant(slug: str, func_path: str, args: tuple, kwargs: dict) -> Any:
    """Worker side: bind the job's tenant, run it, and always release the session."""
    func = _resolve(func_path)
    with job_app().app_context():
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise TenantUnavailable(f"tenant {slug!r} does not exist")
        if not tenant.working:  # a suspended agency's texts and check-ins still go out
            log.warning("skipping %s: tenant %s is %s", func_path, slug, tenant.status)
            return None
        with bound(tenant, db.session):
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()


TENANT_RUNNER = dotted_path(run_in_tenant).replace(":", ".")
