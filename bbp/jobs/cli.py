"""`flask worker` and `flask scheduler`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq import Queue
from rq.cron import CronScheduler
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from bbp.extensions import db, redis_client
from bbp.jobs import platform_tasks
from bbp.jobs.observed import ObservedSimpleWorker, ObservedWorker
from bbp.jobs.periodic import tick, working_tenants
from bbp.kernel.clock import utcnow
from bbp.kernel.metrics import LAG_BEHIND_SECONDS, queue_backlog, scheduler_lag, schedulers
from bbp.messaging.models import Message
from bbp.pdf import render
from bbp.tenancy import bound
from bbp.tenancy.jobs import DEFAULT_QUEUE, provide_app

TICK_SECONDS = 60
PLATFORM_TIMEOUT = 3600
# RQ logs every job it runs and every tick it queues at INFO: several lines per agency a minute.
QUIET, VERBOSE = "WARNING", "INFO"
# How often a worker checks that some worker runs RQ's scheduler (which brings back delayed
# jobs, such as a drain paced to its sender) and takes it over from one that died: RQ's
# default is ten minutes; a killed worker's scheduler lock expires in about one.
MAINTENANCE_SECONDS = 60
verbose_option = click.option(
    "--verbose", is_flag=True, help="Log every job (RQ's INFO lines), not only failures."
)


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--fork",
    is_flag=True,
    help="Run each job in a forked work horse (isolation at ~40 ms a job; docs/decisions.md).",
)
@click.option(
    "--max-jobs",
    type=int,
    default=None,
    help="Exit after this many jobs (the supervisor restarts).",
)
@verbose_option
def worker_command(queues, burst, fork, max_jobs, verbose):
    """Run an RQ worker; each job runs bound to its own tenant, in a fresh context of this app."""
    provide_app(current_app._get_current_object())
    connection = redis_client()
    # PDFs first: a web request is waiting for each one (bbp/pdf/render.py).
    names = queues or (render.QUEUE, DEFAULT_QUEUE)
    worker_class = ObservedWorker if fork else ObservedSimpleWorker
    worker = worker_class(
        [Queue(name, connection=connection) for name in names],
        connection=connection,
        maintenance_interval=MAINTENANCE_SECONDS,
    )
    logged = "every job" if verbose else "failures only"
    how = "a forked work horse per job" if fork else "jobs in this process"
    listened = f"{', '.join(names)} queue{'s' if len(names) > 1 else ''}"
    click.echo(f"Worker: running jobs from the {listened} ({how}); logging {logged}")
    worker.work(
        burst=burst,
        with_scheduler=True,
        max_jobs=max_jobs,
        logging_level=VERBOSE if verbose else QUIET,
    )


@click.command("scheduler")
@verbose_option
def scheduler_command(verbose):
    """Run the cron scheduler that enqueues the minute tick and the platform's daily work."""
    level = VERBOSE if verbose else QUIET
    scheduler = CronScheduler(connection=redis_client(), logging_level=level)
    scheduler.register(tick, queue_name=DEFAULT_QUEUE, interval=TICK_SECONDS)
    # Daily platform work (purges) can outlast a tick job's default timeout.
    scheduler.register(
        platform_tasks.run_due,
        queue_name=DEFAULT_QUEUE,
        cron=platform_tasks.CRON,
        job_timeout=PLATFORM_TIMEOUT,
    )
    click.echo(
        f"Scheduler: queuing each agency's periodic work every {TICK_SECONDS} seconds, "
        "and the platform's daily work hourly"
    )
    scheduler.start()


jobs_cli = AppGroup("jobs", help="Inspect and retry background jobs.")


@jobs_cli.command("status")
def status_command():
    """Scheduler lag, queue depths, failed jobs per agency, and this month's texts per agency."""
    connection = redis_client()
    click.echo(lag_line(scheduler_lag(), schedulers(connection)))
    queue = Queue(DEFAULT_QUEUE, connection=connection)
    failed = FailedJobRegistry(queue=queue)
    backlog = queue_backlog(queue)
    click.echo(
        f"queue {DEFAULT_QUEUE}: {backlog['waiting']} waiting, {backlog['running']} running, "
        f"{backlog['scheduled']} scheduled, {backlog['failed']} failed; "
        f"oldest waiting {backlog['oldest_seconds']:.0f} s"
    )
    per_tenant: dict[str, int] = {}
    for job in Job.fetch_many(failed.get_job_ids(), connection=connection):
        if job is not None:
            slug = job.meta.get("tenant", "-")
            per_tenant[slug] = per_tenant.get(slug, 0) + 1
    for slug, count in sorted(per_tenant.items()):
        click.echo(f"  failed for {slug}: {count}")
    for slug, texts, segments in sms_usage():
        click.echo(f"texts this month for {slug}: {texts} ({segments} segments)")


def lag_line(lag: float, running: int) -> str:
    """The scheduler's lag and presence in words, flagged when it is behind or absent."""
    line = f"scheduler lag: {lag:.0f} s (oldest due work not yet queued)"
    if lag > LAG_BEHIND_SECONDS:
        line += " BEHIND"
    if not running:
        line += "; no scheduler running: start `flask scheduler`"
    return line


@jobs_cli.command("retry")
@click.option("--tenant", default=None, help="Only this agency's failed jobs.")
def retry_command(tenant):
    """Put failed jobs back on the queue."""
    connection = redis_client()
    failed = FailedJobRegistry(queue=Queue(DEFAULT_QUEUE, connection=connection))
    retried = 0
    for job in Job.fetch_many(failed.get_job_ids(), connection=connection):
        if job is not None and (tenant is None or job.meta.get("tenant") == tenant):
            failed.requeue(job.id)
            retried += 1
    click.echo(f"{retried} failed jobs put back on the queue.")


def sms_usage() -> list[tuple[str, int, int]]:
    """(agency, texts sent, segments) this calendar month, for billing."""

    start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    usage = []
    for tenant in working_tenants():
        with bound(tenant, db.session):
            texts, segments = db.session.execute(
                select(func.count(), func.coalesce(func.sum(Message.segments), 0)).where(
                    Message.direction == "out", Message.sent_at >= start
                )
            ).one()
        usage.append((tenant.slug, texts, segments))
    return usage


def init_app(app: Flask) -> None:
    """Register the worker and scheduler commands."""
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_cli)
