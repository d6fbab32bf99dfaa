"""Tenant-aware RQ jobs against real Redis and PostgreSQL, with real workers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.extensions import db
from bbp.jobs import periodic
from bbp.platform import lifecycle
from bbp.platform.provisioning import set_status
from bbp.tenancy import TenancyError, bound, jobs
from bbp.tenancy.jobs import enqueue
from tests import job_functions
from tests.services import ROOT


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _marks(app, agency) -> list:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "test.job_ran")
        ).all()


def test_a_job_enqueued_for_a_tenant_runs_against_that_tenant(app, redis, tenant, other_tenant):
    with app.app_context():
        job_a = enqueue(job_functions.whoami, tenant=tenant.info)
        job_b = enqueue(job_functions.whoami, tenant=other_tenant.info)
    _work(app, redis)
    assert job_a.return_value() == {
        "slug": tenant.slug,
        "orm": [tenant.owner_email],
        "raw": [tenant.owner_email],
    }
    assert job_b.return_value()["orm"] == [other_tenant.owner_email]
    assert job_a.meta["tenant"] == tenant.slug


def test_enqueue_defaults_to_the_bound_tenant_and_refuses_when_none(app, redis, tenant):
    with app.app_context():
        with bound(tenant.info, db.session):
            job = enqueue(job_functions.leave_mark, "bound")
        with pytest.raises(TenancyError):
            enqueue(job_functions.leave_mark, "unbound")
    _work(app, redis)
    assert job.is_finished
    assert _marks(app, tenant) == [{"marker": "bound"}]


def test_jobs_of_a_suspended_tenant_run_and_of_a_closed_one_are_skipped(app, redis, tenant):
    with app.app_context():
        set_status(tenant.slug, "suspended")  # its texts to defendants still go out
        kept = enqueue(job_functions.leave_mark, "suspended", tenant=tenant.info)
    _work(app, redis)
    assert kept.is_finished and _marks(app, tenant) == [{"marker": "suspended"}]
    with app.app_context():
        late = enqueue(job_functions.leave_mark, "late", tenant=tenant.info)
        lifecycle.schedule_deletion(tenant.info.id, "closing", tenant.slug)
    _work(app, redis)
    assert late.is_finished
    assert _marks(app, tenant) == [{"marker": "suspended"}]


def test_the_real_worker_process_binds_each_job_to_its_tenant(app, redis, tenant, other_tenant):
    with app.app_context():
        jobs = [
            enqueue(job_functions.whoami, tenant=t.info)
            for t in (tenant, other_tenant, tenant, other_tenant)
        ]
    env = dict(
        os.environ,
        BBP_ENV="testing",
        SECRET_KEY="test-secret-key",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    slugs = [job.return_value()["slug"] for job in jobs]
    assert slugs == [tenant.slug, other_tenant.slug, tenant.slug, other_tenant.slug]
    assert jobs[1].return_value()["raw"] == [other_tenant.owner_email]


def test_without_an_app_context_a_job_runs_in_the_app_its_worker_provided(app, monkeypatch, tenant):
    whoami = jobs.dotted_path(job_functions.whoami)
    monkeypatch.setattr(jobs, "_worker_app", None)
    with pytest.raises(RuntimeError, match="flask worker"):
        jobs.run_in_tenant(tenant.slug, whoami, (), {})
    jobs.provide_app(app)
    assert jobs.run_in_tenant(tenant.slug, whoami, (), {})["slug"] == tenant.slug


def test_tick_fans_out_to_every_working_tenant_once_per_minute(
    app, redis, monkeypatch, tenant, other_tenant, make_agency
):
    sleeping = make_agency("sleepy")
    with app.app_context():
        lifecycle.schedule_deletion(sleeping.info.id, "closing", sleeping.slug)
    task = periodic.Task("whoami", job_functions.whoami, job_functions.no_news, timedelta(hours=1))
    monkeypatch.setitem(app.extensions, periodic.EXTENSION, (task,))
    now = datetime(2026, 11, 22, 9, 30, 15, tzinfo=UTC)
    with app.app_context():
        first = periodic.tick(now)
        second = periodic.tick(now.replace(second=50))  # a second scheduler, same minute
    assert first >= 2
    assert second == 0
    jobs = Queue("default", connection=redis).jobs
    slugs = {slug for job in jobs for slug in job.meta["tenants"]}
    assert {tenant.slug, other_tenant.slug} <= slugs
    assert sleeping.slug not in slugs
    assert len(jobs) == 1  # one batch for every agency the task is due for
