"""`flask jobs status` and `flask jobs retry`: failed jobs per agency and texts for billing."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from bbp.extensions import db
from bbp.messaging import services as messaging
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from tests import job_functions


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def test_status_shows_failed_jobs_per_agency_and_retry_requeues_them(
    app, redis, tenant, other_tenant
):
    with app.app_context():
        enqueue(job_functions.leave_mark, None, tenant=tenant.info)  # None: not JSON-able marker
        enqueue(job_functions.explode, tenant=tenant.info)
        enqueue(job_functions.explode, tenant=other_tenant.info)
    _work(app, redis)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "2 failed" in output
    assert (
        f"failed for {tenant.slug}: 1" in output and f"failed for {other_tenant.slug}: 1" in output
    )
    retried = app.test_cli_runner().invoke(args=["jobs", "retry", "--tenant", tenant.slug])
    assert "1 failed jobs put back on the queue." in retried.output
    assert Queue("default", connection=redis).count == 1


def test_status_counts_this_months_texts_and_segments(app, redis, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        messaging.queue("3055550142", "x" * 200, "one_off")  # two segments
    _work(app, redis)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert f"texts this month for {tenant.slug}: 1 (2 segments)" in output
