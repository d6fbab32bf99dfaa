"""`flask worker` and `flask scheduler`."""

from __future__ import annotations

import click
from flask import Flask
from rq import Queue, Worker
from rq.cron import CronScheduler

from bbp.extensions import redis_client
from bbp.jobs.periodic import tick
from bbp.tenancy.jobs import DEFAULT_QUEUE

TICK_SECONDS = 60


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(queues, burst):
    """Run an RQ worker; each job runs bound to its own tenant."""
    connection = redis_client()
    names = queues or (DEFAULT_QUEUE,)
    worker = Worker([Queue(name, connection=connection) for name in names], connection=connection)
    worker.work(burst=burst, with_scheduler=True)


@click.command("scheduler")
def scheduler_command():
    """Run the cron scheduler that enqueues the minute tick."""
    scheduler = CronScheduler(connection=redis_client())
    scheduler.register(tick, queue_name=DEFAULT_QUEUE, interval=TICK_SECONDS)
    scheduler.start()


def init_app(app: Flask) -> None:
    """Register the worker and scheduler commands."""
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
