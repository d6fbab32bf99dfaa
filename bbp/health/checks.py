"""What the platform's health is made of, read once here for /healthz, /metrics and the console:
the database, Redis, the workers and the scheduler. Each check answers even when its service is
down, saying so."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from rq import Queue, Worker
from rq.cron import CronScheduler
from sqlalchemy import text

from bbp.extensions import db, redis_client
from bbp.kernel.metrics import LAG_BEHIND_SECONDS, last_tick, queue_backlog, scheduler_lag
from bbp.tenancy.jobs import DEFAULT_QUEUE, task_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """The database: 'ok' or the error's class, and what it says about itself when it answers."""

    status: str
    latency_ms: float | None = None
    version: str = ""
    connections: int | None = None
    max_connections: int | None = None


@dataclass(frozen=True)
class RedisState:
    """Redis: 'ok' or the error's class, and its memory when it answers."""

    status: str
    used_memory: str = ""
    peak_memory: str = ""
    max_memory: str = ""  # blank when Redis sets no maxmemory


@dataclass(frozen=True)
class WorkerState:
    """A live RQ worker: its queues, state and the job it runs (its task, never its arguments)."""

    name: str
    queues: list[str]
    state: str
    current_job: str
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class SchedulerState:
    """The scheduler: live processes, their last beats, the last tick and the lag."""

    running: int
    lag_seconds: float | None
    last_tick: datetime | None
    heartbeats: list[datetime] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return self.lag_seconds is not None and self.lag_seconds > LAG_BEHIND_SECONDS


def database(detailed: bool = True) -> Database:
    """A trivial query's round trip, then (detailed) the server's version and connections."""
    try:
        with db.engine.connect() as conn:
            started = time.perf_counter()
            conn.execute(text("SELECT 1"))
            latency = (time.perf_counter() - started) * 1000
            if not detailed:
                return Database("ok", round(latency, 1))
            version = conn.scalar(text("SHOW server_version"))
            connections = conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            )
            most = int(conn.scalar(text("SHOW max_connections")))
    except Exception as exc:
        return Database(f"error: {type(exc).__name__}")
    return Database("ok", round(latency, 1), version, connections, most)


def redis() -> RedisState:
    """PING, then INFO memory."""
    try:
        connection = redis_client()
        connection.ping()
        memory = connection.info("memory")
    except Exception as exc:
        return RedisState(f"error: {type(exc).__name__}")
    return RedisState(
        "ok",
        memory.get("used_memory_human", ""),
        memory.get("used_memory_peak_human", ""),
        memory.get("maxmemory_human", "") if memory.get("maxmemory") else "",
    )


def workers(connection: Redis) -> list[WorkerState]:
    """Every live RQ worker (RQ forgets one that stops beating)."""
    found = []
    for worker in Worker.all(connection=connection):
        job = worker.get_current_job()
        running = f"{task_of(job)} ({job.id})" if job is not None else ""
        found.append(
            WorkerState(
                worker.name,
                worker.queue_names(),
                str(worker.get_state()),
                running,
                worker.last_heartbeat,
            )
        )
    return sorted(found, key=lambda w: w.name)


def scheduler(connection: Redis | None) -> SchedulerState:
    """Live schedulers and the last tick from Redis (none when it is down); the lag from the
    database's index of due work."""
    try:
        lag = round(scheduler_lag(), 1)
    except Exception:
        log.warning("scheduler lag unavailable", exc_info=True)
        lag = None
    if connection is None:
        return SchedulerState(0, lag, None)
    running = CronScheduler.all(connection)
    beats = sorted((s.last_heartbeat for s in running if s.last_heartbeat), reverse=True)
    return SchedulerState(len(running), lag, last_tick(connection), beats)


def background(connection: Redis) -> dict:
    """The scheduler's lag and the default queue, as /healthz shows them."""
    try:
        lag = scheduler_lag()
        return {
            "scheduler_lag_seconds": round(lag, 1),
            "scheduler_behind": lag > LAG_BEHIND_SECONDS,
            "queue": queue_backlog(Queue(DEFAULT_QUEUE, connection=connection)),
        }
    except Exception as exc:
        log.warning("background details unavailable", exc_info=True)
        return {"background": f"error: {type(exc).__name__}"}
