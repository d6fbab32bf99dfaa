"""The worker `flask worker` runs: each job's log lines name it, and its duration is counted.

The job context is bound in the worker around `execute_job`, so a forked work horse inherits
it and the worker's own lines about the job (a horse killed) carry it too. Durations and
failures go to Redis (`bbp.kernel.metrics`), where /metrics on any web process reads them.
"""

from __future__ import annotations

import logging

from redis import RedisError
from rq import SimpleWorker, Worker
from rq.job import Job

from bbp.kernel import logs, metrics
from bbp.tenancy.jobs import task_of

log = logging.getLogger(__name__)


class ObservedJobs:
    """Mixed into an RQ worker class: job context on log lines, metrics per task."""

    def execute_job(self, job: Job, queue):
        with logs.job_context(job.id, job.meta.get("tenant")):
            return super().execute_job(job, queue)

    def perform_job(self, job: Job, queue) -> bool:
        ok = super().perform_job(job, queue)
        if job.started_at and job.ended_at:
            self._record(job, (job.ended_at - job.started_at).total_seconds(), failed=not ok)
        return ok

    def handle_work_horse_killed(self, job: Job, retpid, ret_val, rusage):
        """A horse killed (out of memory, timeout) never reached perform_job's end."""
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        started, ended = job.started_at, job.ended_at
        self._record(job, (ended - started).total_seconds() if started and ended else 0, True)

    def _record(self, job: Job, seconds: float, failed: bool) -> None:
        try:
            metrics.record_job(self.connection, task_of(job), seconds, failed)
        except RedisError:
            log.warning("could not record metrics of job %s", job.id, exc_info=True)


class ObservedWorker(ObservedJobs, Worker):
    """`flask worker --fork`: forks a work horse per job."""


class ObservedSimpleWorker(ObservedJobs, SimpleWorker):
    """`flask worker`: runs each job in its own process (docs/decisions.md)."""
