"""`flask worker` prints one line of its own: an idle minute's jobs log nothing, failures do."""

from __future__ import annotations

import subprocess
import sys

from rq import Queue
from rq.registry import FinishedJobRegistry

from bbp.jobs.periodic import tick
from bbp.tenancy.jobs import enqueue
from tests import job_functions
from tests.services import ROOT
from tests.support import process_env

QUIET_WORKER = "Worker: running jobs from the default queue; logging failures only"


def _burst(app, *options: str) -> subprocess.CompletedProcess:
    """Run the real `flask worker --burst` (forking work horses) until the queue is empty."""
    env = process_env(
        app,
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_idle_minute_logs_nothing_and_a_failure_still_does(app, redis, tenant):
    queue = Queue("default", connection=redis)
    queue.enqueue(tick)  # what the scheduler queues each minute: one job per agency and task
    with app.app_context():
        enqueue(job_functions.explode, tenant=tenant.info)
    done = _burst(app)
    assert done.returncode == 0, done.stderr
    assert FinishedJobRegistry(queue=queue).count >= 3  # the tick and this agency's tasks ran
    assert done.stdout.splitlines() == [QUIET_WORKER]
    assert "Job OK" not in done.stderr and "Successfully completed" not in done.stderr
    assert f"[{tenant.slug}]" not in done.stderr  # no per-agency "[slug] tick" job lines
    assert "RuntimeError: boom" in done.stderr  # the failed job, logged at ERROR


def test_verbose_logs_every_job(app, redis, tenant):
    with app.app_context():
        enqueue(job_functions.leave_mark, "verbose", tenant=tenant.info)
    done = _burst(app, "--verbose")
    assert done.returncode == 0, done.stderr
    assert "Job OK" in done.stdout and f"[{tenant.slug}] leave_mark" in done.stdout
