"""Background metrics kept in Redis, so any process answers for every worker and scheduler.

Jobs run in forked work horses on other machines, and a web process serving /metrics never sees
them; so each job adds its duration and outcome to a Redis hash (one pipeline per job), the
reminder engine adds its counts, and `BackgroundCollector` reads those hashes plus the RQ queues
when Prometheus scrapes; the scheduler's lag comes from the database's index of due work. Labels
are task paths and fixed words, never an agency (one series per agency would not scale).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis import Redis, RedisError
from rq import Queue, Worker
from rq.cron import CronScheduler
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy.exc import SQLAlchemyError

from bbp.extensions import redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.kernel.wakeups import oldest_due

log = logging.getLogger(__name__)
JOBS_KEY = platform_key("metrics", "jobs")
REMINDERS_KEY = platform_key("metrics", "reminders")
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
REMINDER_OUTCOMES = ("due", "sent", "skipped", "postponed", "failed")
TEXTS_KEY = platform_key("metrics", "texts")
# paced: a drain stopped to wait for its sender; too_late: a text skipped, no longer useful.
TEXT_OUTCOMES = ("paced", "too_late")
EMAILS_KEY = platform_key("metrics", "emails")
EMAIL_OUTCOMES = ("sent", "retry", "failed")  # failed: refused on every attempt, given up
LAST_TICK_KEY = platform_key("scheduler", "last_tick")
# Ticks are a minute apart, so due work waits up to 60 s; 180 s means three missed ticks.
LAG_BEHIND_SECONDS = 180


def record_job(connection: Redis, task: str, seconds: float, failed: bool) -> None:
    """Add one finished job to its task's histogram and, if it failed, to its failures."""
    bucket = next((str(b) for b in JOB_BUCKETS if seconds <= b), "+Inf")
    pipe = connection.pipeline(transaction=False)
    pipe.hincrby(JOBS_KEY, f"{task}|bucket|{bucket}", 1)
    pipe.hincrbyfloat(JOBS_KEY, f"{task}|sum", seconds)
    if failed:
        pipe.hincrby(JOBS_KEY, f"{task}|failed", 1)
    pipe.execute()


def count_reminders(**counts: int) -> None:
    """Add the reminder engine's counts (due, sent, skipped, postponed, failed) platform-wide."""
    _count(REMINDERS_KEY, REMINDER_OUTCOMES, counts)


def count_texts(**counts: int) -> None:
    """Add the pacing counts of texts (paced, too_late) platform-wide."""
    _count(TEXTS_KEY, TEXT_OUTCOMES, counts)


def count_emails(**counts: int) -> None:
    """Add the email outbox's send outcomes (sent, retry, failed) platform-wide."""
    _count(EMAILS_KEY, EMAIL_OUTCOMES, counts)


def _count(key: str, outcomes: tuple[str, ...], counts: dict[str, int]) -> None:
    counts = {k: v for k, v in counts.items() if k in outcomes and v}
    if not counts:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for outcome, n in counts.items():
            pipe.hincrby(key, outcome, n)
        pipe.execute()
    except RedisError:  # a lost count must never undo work already committed
        log.warning("could not count %s %s", key, counts, exc_info=True)


def scheduler_lag(now: datetime | None = None) -> float:
    """Now minus the oldest due work no tick has queued yet (0 when nothing waits).

    One index lookup in public.tenant_wakeups: a row the tick claimed is leased into the
    future, so only work still waiting for a tick is due. Work queued but not yet run shows
    as the queue's oldest job instead.
    """
    now = now or utcnow()
    oldest = oldest_due(now)
    return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())


def note_tick(connection: Redis, moment: datetime) -> None:
    """Remember the minute the last tick claimed (the console shows it beside the lag)."""
    connection.set(LAST_TICK_KEY, moment.isoformat())


def last_tick(connection: Redis) -> datetime | None:
    """When a tick last claimed its minute; None before any."""
    raw = connection.get(LAST_TICK_KEY)
    return datetime.fromisoformat(raw.decode()) if raw else None


def schedulers(connection: Redis) -> int:
    """Live `flask scheduler` processes (RQ's registry forgets one that stops beating)."""
    return len(CronScheduler.all(connection))


def queue_backlog(queue: Queue, now: datetime | None = None) -> dict[str, float | int]:
    """Jobs waiting, running, scheduled and failed, and the age of the oldest waiting job."""
    oldest = 0.0
    head = queue.get_job_ids(0, 1)
    if head and (job := queue.fetch_job(head[0])) is not None and job.enqueued_at is not None:
        enqueued = job.enqueued_at.replace(tzinfo=(now or utcnow()).tzinfo)
        oldest = max(0.0, ((now or utcnow()) - enqueued).total_seconds())
    return {
        "waiting": queue.count,
        "running": StartedJobRegistry(queue=queue).count,
        "scheduled": ScheduledJobRegistry(queue=queue).count,
        "failed": FailedJobRegistry(queue=queue).count,
        "oldest_seconds": round(oldest, 1),
    }


def _decode(mapping: dict) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in mapping.items()
    }


class BackgroundCollector:
    """Prometheus families computed at scrape time from Redis (prometheus-client collector)."""

    def __init__(self, connection: Redis, queues: tuple[str, ...]):
        self.connection = connection
        self.queues = queues

    def collect(self) -> Iterator:
        """Each part on its own: one unreadable value costs its family, not the others."""
        parts = (self._jobs, self._reminders, self._texts, self._emails, self._queues, self._lag)
        for part in parts:
            try:
                yield from list(part())
            except (RedisError, SQLAlchemyError, ValueError):
                log.warning("metrics of %s unavailable", part.__name__, exc_info=True)

    def _lag(self) -> Iterator:
        yield GaugeMetricFamily(
            "bbp_scheduler_lag_seconds",
            "Now minus the oldest due periodic work not yet queued (0 when none waits)",
            value=scheduler_lag(),
        )

    def _jobs(self) -> Iterator:
        stored = _decode(self.connection.hgetall(JOBS_KEY))
        durations = HistogramMetricFamily(
            "bbp_job_duration_seconds", "Duration of background jobs by task", labels=["task"]
        )
        failures = CounterMetricFamily(
            "bbp_job_failures", "Background jobs that failed, by task", labels=["task"]
        )
        tasks = sorted({field.split("|", 1)[0] for field in stored})
        for task in tasks:
            running, buckets = 0, []
            for bound in (*map(str, JOB_BUCKETS), "+Inf"):
                running += int(stored.get(f"{task}|bucket|{bound}", 0))
                buckets.append((bound, running))
            durations.add_metric([task], buckets, float(stored.get(f"{task}|sum", 0)))
            failures.add_metric([task], int(stored.get(f"{task}|failed", 0)))
        yield durations
        yield failures

    def _reminders(self) -> Iterator:
        yield self._outcomes(
            REMINDERS_KEY,
            REMINDER_OUTCOMES,
            "bbp_reminders",
            "Court reminders by outcome: due, sent (queued as a text), skipped (too late), "
            "postponed (quiet hours), failed (the text failed)",
        )

    def _texts(self) -> Iterator:
        yield self._outcomes(
            TEXTS_KEY,
            TEXT_OUTCOMES,
            "bbp_texts_paced",
            "Texts held back by a busy sender: paced (a drain stopped for its sender's budget), "
            "too_late (skipped, no longer useful by the time the sender could take it)",
        )

    def _emails(self) -> Iterator:
        yield self._outcomes(
            EMAILS_KEY,
            EMAIL_OUTCOMES,
            "bbp_emails",
            "Owed emails by send outcome: sent, retry (the mail server refused; tried again on "
            "the backoff), failed (refused on every attempt and given up)",
        )

    def _outcomes(self, key: str, outcomes: tuple[str, ...], name: str, about: str):
        """A counter family of the outcomes counted in one Redis hash."""
        stored = _decode(self.connection.hgetall(key))
        family = CounterMetricFamily(name, about, labels=["outcome"])
        for outcome in outcomes:
            family.add_metric([outcome], int(stored.get(outcome, 0)))
        return family

    def _queues(self) -> Iterator:
        depth = GaugeMetricFamily(
            "bbp_queue_jobs", "RQ jobs by queue and state", labels=["queue", "state"]
        )
        oldest = GaugeMetricFamily(
            "bbp_queue_oldest_job_age_seconds",
            "Age of the oldest job waiting in the queue",
            labels=["queue"],
        )
        for name in self.queues:
            backlog = queue_backlog(Queue(name, connection=self.connection))
            for state in ("waiting", "running", "scheduled", "failed"):
                depth.add_metric([name, state], backlog[state])
            oldest.add_metric([name], backlog["oldest_seconds"])
        workers = GaugeMetricFamily("bbp_workers", "Live RQ workers")
        workers.add_metric([], len(Worker.all(connection=self.connection)))
        yield depth
        yield oldest
        yield workers
        yield GaugeMetricFamily(
            "bbp_schedulers", "Live scheduler processes", value=schedulers(self.connection)
        )
