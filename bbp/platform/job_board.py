"""Queues and failed jobs across agencies, for the console: backlogs, failures by agency and
task, retry and delete.

A job's arguments may hold people's data (a text's body, a PDF's fields), so nothing here reads
them out: a failed job is shown by its id, the task it runs (`task_of`), its agency (its
`meta`), the error's last line and when it failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from redis import RedisError
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from bbp.audit.services import record
from bbp.extensions import db, redis_client
from bbp.kernel.errors import DomainError
from bbp.kernel.metrics import queue_backlog
from bbp.kernel.placeholders import short
from bbp.pdf.render import QUEUE as PDF_QUEUE
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.tenancy.jobs import DEFAULT_QUEUE, task_of
from bbp.tenancy.models import Tenant

QUEUES = (PDF_QUEUE, DEFAULT_QUEUE)
PLATFORM = "no agency"  # spare schemas, migration runs, PDF drawings (pure functions)
# The newest failures read per queue: enough for a person to act on, bounded for the page.
SCANNED = 2_000


class RedisDown(DomainError):
    """Redis does not answer: queues, jobs and runs cannot be read or changed."""

    status = 503


def needs_redis(func: Callable) -> Callable:
    """Turn a Redis outage into a page that says so (503) instead of a server error."""

    @wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RedisError:
            raise RedisDown(
                "Redis is down, so queues and jobs cannot be read or changed now. "
                "The Health page shows what still works."
            ) from None

    return wrapped


@dataclass(frozen=True)
class FailedJob:
    """A failed job as the console shows it: never its arguments."""

    id: str
    queue: str
    agency: str  # its slug, "platform", or "N agencies" for a periodic batch
    agencies: tuple[str, ...]
    task: str
    error: str
    failed_at: datetime | None


@needs_redis
def backlogs() -> dict[str, dict]:
    """Each queue's waiting, running, scheduled and failed jobs and its oldest waiting age."""
    connection = redis_client()
    return {name: queue_backlog(Queue(name, connection=connection)) for name in QUEUES}


def _agencies(job: Job) -> tuple[str, tuple[str, ...]]:
    """How the job's agency reads, and the slugs it ran for."""
    if "tenant" in job.meta:
        return job.meta["tenant"], (job.meta["tenant"],)
    if "tenants" in job.meta:  # a periodic batch, up to hundreds of agencies
        slugs = tuple(job.meta["tenants"])
        return (slugs[0] if len(slugs) == 1 else f"{len(slugs)} agencies"), slugs
    return PLATFORM, ()


def _last_line(job: Job) -> str:
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return short(lines[-1], 200) if lines else "No error was recorded."


def _shown(job: Job, queue: str) -> FailedJob:
    ended = job.ended_at.replace(tzinfo=UTC) if job.ended_at else None
    return FailedJob(job.id, queue, *_agencies(job), task_of(job), _last_line(job), ended)


@needs_redis
def failed_jobs(agency: str = "", task: str = "") -> list[FailedJob]:
    """Failed jobs of every queue, newest first, filtered by agency slug and task."""
    connection = redis_client()
    found = []
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=connection)
        ids = registry.get_job_ids(0, SCANNED - 1, desc=True)
        for job in Job.fetch_many(ids, connection=connection):
            if job is not None:
                found.append(_shown(job, name))
    found = [
        j
        for j in found
        if (not agency or agency in (j.agency, *j.agencies)) and (not task or j.task == task)
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda j: j.failed_at or oldest, reverse=True)


def groups(jobs: list[FailedJob]) -> list[tuple[str, str, int]]:
    """(agency, task, how many) for the failures, most first."""
    counted = Counter((j.agency, j.task) for j in jobs)
    return [(agency, task, n) for (agency, task), n in counted.most_common()]


def _find(job_id: str) -> tuple[FailedJobRegistry, FailedJob]:
    connection = redis_client()
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=connection)
        if job_id in registry:
            job = Job.fetch(job_id, connection=connection)
            return registry, _shown(job, name)
    raise DomainError("That job is no longer among the failed jobs.", status=404)


def _audit(action: str, shown: FailedJob, admin: PlatformAdmin) -> None:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == shown.agency))
    after = {"job": shown.id, "task": shown.task, "queue": shown.queue, "agency": shown.agency}
    record(action, tenant, after=after, actor=admin, model=PlatformAuditEntry)


@needs_redis
def retry(job_id: str, admin: PlatformAdmin) -> FailedJob:
    """Put one failed job back on its queue."""
    registry, shown = _find(job_id)
    registry.requeue(job_id)
    _audit("job.retried", shown, admin)
    db.session.commit()
    return shown


@needs_redis
def delete(job_id: str, admin: PlatformAdmin) -> FailedJob:
    """Drop one failed job for good."""
    registry, shown = _find(job_id)
    registry.remove(job_id, delete_job=True)
    _audit("job.deleted", shown, admin)
    db.session.commit()
    return shown


@needs_redis
def retry_agency(slug: str, admin: PlatformAdmin) -> int:
    """Put every failed job of one agency (its own, not shared batches) back on its queue."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise DomainError("Choose an agency that exists.", field="agency")
    connection = redis_client()
    retried = 0
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=connection)
        for job in Job.fetch_many(registry.get_job_ids(), connection=connection):
            if job is not None and job.meta.get("tenant") == slug:
                registry.requeue(job)
                retried += 1
    after = {"agency": slug, "jobs": retried}
    record("job.retried_agency", tenant, after=after, actor=admin, model=PlatformAuditEntry)
    db.session.commit()
    return retried
