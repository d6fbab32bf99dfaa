"""Queues and failed jobs on the console: grouped by agency and task, never a job's arguments;
retry and delete, audited; filters by agency and task."""

from __future__ import annotations

from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.jobs import enqueue
from tests import job_functions

PAGE = "/platform/operations/jobs"
PHONE, WORDS = "3055550199", "Maria Lopez court tomorrow 9am"
TASK = "tests.job_functions:refuse_text"


def _fail(app, redis, *agencies) -> None:
    with app.app_context():
        for agency in agencies:
            enqueue(job_functions.refuse_text, PHONE, WORDS, tenant=agency.info)
        enqueue(job_functions.explode, tenant=agencies[0].info)
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _failed_ids(redis) -> list[str]:
    return FailedJobRegistry("default", connection=redis).get_job_ids()


def _audit(app, action: str) -> list[dict]:
    with app.app_context():
        query = (
            select(PlatformAuditEntry.after)
            .where(PlatformAuditEntry.action == action)
            .order_by(PlatformAuditEntry.id)  # [-1] is the newest: heap order is no order
        )
        return list(db.session.scalars(query))


def test_failed_jobs_show_agency_task_and_error_but_never_their_arguments(
    app, redis, console_as, tenant, other_tenant
):
    _fail(app, redis, tenant, other_tenant)
    for role in ("superadmin", "support"):
        page = console_as(role).get(PAGE).get_data(as_text=True)
        assert tenant.slug in page and other_tenant.slug in page
        assert TASK in page and "tests.job_functions:explode" in page
        assert "ValueError: the carrier refused the text" in page
        assert "RuntimeError: boom" in page
        assert PHONE not in page and "Maria" not in page and "court tomorrow" not in page
        assert all(job_id in page for job_id in _failed_ids(redis))
        assert "<code>default</code>" in page and "<code>pdf</code>" in page


def test_filters_narrow_by_agency_and_task_as_you_type(
    app, redis, console_as, tenant, other_tenant
):
    _fail(app, redis, tenant, other_tenant)
    console = console_as("support")
    rows = console.get(f"{PAGE}?agency={other_tenant.slug}", htmx=True).get_data(as_text=True)
    assert "<html" not in rows
    assert other_tenant.slug in rows and tenant.slug not in rows
    rows = console.get(f"{PAGE}?agency={tenant.slug}&task={TASK}", htmx=True).get_data(as_text=True)
    assert TASK in rows and "explode" not in rows
    assert "No failed jobs match" in console.get(f"{PAGE}?task=nothing", htmx=True).get_data(
        as_text=True
    )


def test_retry_one_job_puts_it_back_and_is_audited(app, redis, console_as, tenant, other_tenant):
    _fail(app, redis, tenant, other_tenant)
    console = console_as("support")
    page = console.get(PAGE).get_data(as_text=True)
    assert "Retry" in page and ">Delete<" not in page  # support retries, never deletes
    job_id = _failed_ids(redis)[0]
    response = console.post(f"{PAGE}/{job_id}/retry?agency={tenant.slug}&_scheme=x")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE}?agency={tenant.slug}")  # filter kept
    assert job_id not in _failed_ids(redis)
    assert job_id in Queue("default", connection=redis).job_ids
    assert _audit(app, "job.retried")[-1]["job"] == job_id
    again = console.post(f"{PAGE}/{job_id}/retry")
    assert again.status_code == 302
    assert "no longer among the failed jobs" in console.get(PAGE).get_data(as_text=True)


def test_retry_every_failed_job_of_one_agency(app, redis, console_as, tenant, other_tenant):
    _fail(app, redis, tenant, other_tenant)
    console = console_as("superadmin")
    console.get(PAGE)
    response = console.post(f"{PAGE}/retry", {"agency": tenant.slug})
    assert response.status_code == 302
    assert Queue("default", connection=redis).count == 2  # its text and its explosion
    assert len(_failed_ids(redis)) == 1  # the other agency's stays failed
    assert _audit(app, "job.retried_agency")[-1] == {"agency": tenant.slug, "jobs": 2}
    refused = console.post(f"{PAGE}/retry", {"agency": "no-such-agency"})
    assert refused.status_code == 422
    assert "Choose an agency that exists." in refused.get_data(as_text=True)


def test_delete_drops_the_job_for_good_and_only_superadmins_may(
    app, redis, console_as, tenant, other_tenant
):
    _fail(app, redis, tenant, other_tenant)
    job_id = _failed_ids(redis)[0]
    assert console_as("support").post(f"{PAGE}/{job_id}/delete").status_code == 403
    console = console_as("superadmin")
    assert ">Delete<" in console.get(PAGE).get_data(as_text=True)
    assert console.post(f"{PAGE}/{job_id}/delete").status_code == 302
    assert job_id not in _failed_ids(redis)
    assert not redis.exists(f"rq:job:{job_id}")
    assert _audit(app, "job.deleted")[-1]["job"] == job_id


def test_finance_cannot_see_jobs(console_as):
    assert console_as("finance").get(PAGE).status_code == 403


def test_a_failed_periodic_batch_counts_its_agencies_and_matches_each(
    app, redis, console_as, tenant, other_tenant
):
    with app.app_context():
        Queue("default", connection=redis).enqueue(
            job_functions.explode,
            meta={"task": "reminders", "tenants": [tenant.slug, other_tenant.slug]},
        )
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    console = console_as("superadmin")
    words = console.get(PAGE).get_data(as_text=True)
    assert "<code>2 agencies</code>" in words and "periodic:reminders" in words
    mine = console.get(f"{PAGE}?agency={other_tenant.slug}", htmx=True).get_data(as_text=True)
    assert "periodic:reminders" in mine
