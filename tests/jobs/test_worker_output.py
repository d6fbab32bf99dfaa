"""`flask worker` prints one line of its own: an idle minute's jobs log nothing, failures do."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from rq import Queue
from rq.job import Job
from rq.registry import FinishedJobRegistry

from bbp.jobs.cli import MAINTENANCE_SECONDS
from bbp.jobs.observed import ObservedSimpleWorker
from bbp.jobs.periodic import tick
from bbp.tenancy.jobs import enqueue
from tests import job_functions
from tests.services import ROOT
from tests.support import process_env

QUIET_WORKER = "Worker: running jobs from the pdf, default queues (jobs in this process); logging failures only"


def _burst(app, *options: str) -> subprocess.CompletedProcess:
    """Run the real `flask worker --burst` until the queue is empty."""
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


def test_jobs_run_in_the_worker_process_unless_it_forks(app, redis, tenant):
    """The default worker runs jobs in its own process; `--fork` gives each its work horse."""
    queue = Queue("default", connection=redis)
    for _ in range(2):
        queue.enqueue(os.getpid)
    assert _burst(app).returncode == 0
    for _ in range(2):
        queue.enqueue(os.getpid)
    assert _burst(app, "--fork").returncode == 0
    pids = [
        Job.fetch(job_id, connection=redis).return_value()
        for job_id in FinishedJobRegistry(queue=queue).get_job_ids()
    ]
    in_process, forked = pids[:2], pids[2:]
    assert in_process[0] == in_process[1]  # one process ran both
    assert forked[0] != forked[1] and in_process[0] not in forked  # a horse per job


def test_a_job_over_its_timeout_fails_in_the_worker_process(app, redis, tenant):
    """Without a fork, RQ still enforces a job's timeout (SIGALRM inside the job)."""
    queue = Queue("default", connection=redis)
    job = queue.enqueue(time.sleep, 30, job_timeout=1)
    started = time.monotonic()
    assert _burst(app).returncode == 0
    assert time.monotonic() - started < 25
    assert job.get_status(refresh=True) == "failed"
    assert "JobTimeoutException" in job.latest_result().exc_string


def test_a_worker_takes_over_a_dead_workers_scheduler_within_minutes(app, monkeypatch):
    seen = {}

    def work(self, **options):
        seen.update(interval=self.maintenance_interval, scheduler=options["with_scheduler"])

    monkeypatch.setattr(ObservedSimpleWorker, "work", work)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    # Paced drains come back through RQ's scheduler: a worker re-checks it each minute, not ten.
    assert seen == {"interval": MAINTENANCE_SECONDS, "scheduler": True}
