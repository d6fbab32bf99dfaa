"""The console's migration run: one background job upgrades every agency, one run at a time.

The run's counts and failures live in Redis for the progress bar (the job adds to them as each
agency finishes); what the run did is kept in the platform audit log.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from bbp.audit.services import record
from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.platform import upgrades
from bbp.platform.job_board import needs_redis
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.migrate import MigrationOutcome
from bbp.tenancy.models import Tenant

log = logging.getLogger(__name__)
RUN_KEY = platform_key("migrations", "run")
FAILURES_KEY = platform_key("migrations", "failures")
LOCK_KEY = platform_key("migrations", "lock")
KEEP_SECONDS = 7 * 24 * 3600
# A run longer than this is given up for lost (its worker died); the job is stopped by RQ too.
RUN_TIMEOUT = 6 * 3600
QUEUING_SECONDS = timedelta(seconds=30)
ENDED = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


@dataclass(frozen=True)
class Run:
    """One migration run as the progress bar shows it."""

    id: str
    status: str  # queued, running, done or failed
    total: int
    upgraded: int
    skipped: int
    failed: int
    started_by: str
    started_at: datetime | None
    finished_at: datetime | None
    error: str
    failures: list[tuple[str, str]]  # (agency slug, error), by slug

    @property
    def active(self) -> bool:
        """Queued or running: the progress bar keeps polling."""
        return self.status in ("queued", "running")

    @property
    def done(self) -> int:
        return self.upgraded + self.skipped + self.failed

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def _moment(raw: str) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


@needs_redis
def current() -> Run | None:
    """The running run, else the last one (kept a week); None before any."""
    client = redis_client()
    stored = {k.decode(): v.decode() for k, v in client.hgetall(RUN_KEY).items()}
    if not stored:
        return None
    if stored["status"] in ("queued", "running") and _lost(stored):
        _finish(stored["id"], "failed", "The worker stopped before the run finished.")
        return current()
    failures = sorted((k.decode(), v.decode()) for k, v in client.hgetall(FAILURES_KEY).items())
    return Run(
        stored["id"],
        stored["status"],
        *(int(stored.get(name, 0)) for name in ("total", *upgrades.STATUSES)),
        stored.get("started_by", ""),
        _moment(stored.get("started_at", "")),
        _moment(stored.get("finished_at", "")),
        stored.get("error", ""),
        failures,
    )


def _lost(stored: dict[str, str]) -> bool:
    """The run's job ended without the run saying it finished, or is gone (past the moment
    between naming the job and queuing it)."""
    try:
        job = Job.fetch(stored.get("job", ""), connection=redis_client())
    except NoSuchJobError:
        started = _moment(stored.get("started_at", ""))
        return started is None or utcnow() - started > QUEUING_SECONDS
    return job.get_status(refresh=False) in ENDED


@needs_redis
def start(admin: PlatformAdmin) -> tuple[Run, bool]:
    """Queue a run over every agency, unless one is running; returns the run and whether it is
    new (False: the one already running)."""
    running = current()
    run_id = uuid.uuid4().hex
    client = redis_client()
    if (running and running.active) or not client.set(LOCK_KEY, run_id, nx=True, ex=RUN_TIMEOUT):
        return current(), False
    total = len(upgrades.schemas())
    client.delete(RUN_KEY, FAILURES_KEY)
    job_id = f"migration-{run_id}"  # named before the job exists: a poll never sees it unnamed
    fields = {"id": run_id, "status": "queued", "total": total, "started_by": admin.email}
    client.hset(RUN_KEY, mapping=fields | {"job": job_id, "started_at": utcnow().isoformat()})
    client.expire(RUN_KEY, KEEP_SECONDS)
    Queue(DEFAULT_QUEUE, connection=client).enqueue(
        run_migrations,
        run_id,
        admin.id,
        job_id=job_id,
        job_timeout=RUN_TIMEOUT,
        description="migrate every agency",
    )
    record(
        "platform.migration_started",
        after={"run": run_id, "agencies": total},
        actor=admin,
        model=PlatformAuditEntry,
    )
    db.session.commit()
    return current(), True


def _counter(slugs: dict[str, str]):
    def count(outcome: MigrationOutcome) -> None:
        pipe = redis_client().pipeline(transaction=False)
        pipe.hincrby(RUN_KEY, outcome.status, 1)
        if outcome.status == "failed":
            slug = slugs.get(outcome.schema, outcome.schema)
            # The console shows the error's kind only; its text may quote the agency's rows.
            log.error("migrating %s failed: %s", slug, outcome.error)
            shown = f"{outcome.summary or 'failed'}; the whole error is in the worker's log"
            pipe.hset(FAILURES_KEY, slug, shown)
            pipe.expire(FAILURES_KEY, KEEP_SECONDS)
        pipe.execute()

    return count


def _finish(run_id: str, status: str, error: str = "") -> None:
    client = redis_client()
    fields = {"status": status, "error": error, "finished_at": utcnow().isoformat()}
    client.hset(RUN_KEY, mapping=fields)
    if client.get(LOCK_KEY) == run_id.encode():
        client.delete(LOCK_KEY)


def run_migrations(run_id: str, admin_id: int | None) -> dict[str, int]:
    """Worker job: upgrade every agency, counting each outcome as it comes; audited at the end."""
    with job_app().app_context():
        try:
            slugs = dict(db.session.execute(select(Tenant.schema_name, Tenant.slug)).all())
            db.session.rollback()
            redis_client().hset(RUN_KEY, mapping={"status": "running", "total": len(slugs)})
            migrated = upgrades.migrate_all(sorted(slugs), on_done=_counter(slugs))
            _finish(run_id, "done")
            counts = migrated.counts
            record(
                "platform.migration_finished",
                after={
                    "run": run_id,
                    "upgraded": counts["upgraded"],
                    "skipped": counts["skipped"],
                    "failed": counts["failed"],
                    "failed_agencies": [slugs.get(o.schema, o.schema) for o in migrated.failures],
                },
                actor=db.session.get(PlatformAdmin, admin_id) if admin_id else "system",
                model=PlatformAuditEntry,
            )
            db.session.commit()
            return migrated.counts
        except Exception as exc:
            log.exception("migration run %s stopped", run_id)
            _finish(run_id, "failed", f"The run stopped: {type(exc).__name__}.")
            raise
        finally:
            db.session.remove()
