"""What /metrics reports: requests by endpoint and status, jobs by task, queues, reminders and the
scheduler's lag, with no agency or raw path in any label."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from bbp.extensions import db
from bbp.jobs import periodic
from bbp.jobs.observed import ObservedSimpleWorker
from bbp.kernel import metrics
from bbp.reminders import services as reminders
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from tests import job_functions
from tests.health.test_healthz_lag import EARLY, wake_at
from tests.reminders.test_reminders import COURT, book  # noqa: F401 (fixture)

TOKEN = "metrics-token-for-tests-0123456789abcdef"


@pytest.fixture
def scrape(app, visit, monkeypatch):
    """scrape() -> {sample name: [(labels, value), ...]} from /metrics on the platform host."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def read() -> dict[str, list[tuple[dict, float]]]:
        response = visit("admin").get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        samples: dict[str, list[tuple[dict, float]]] = {}
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for sample in family.samples:
                samples.setdefault(sample.name, []).append((sample.labels, sample.value))
        return samples

    return read


def value(samples, name: str, **labels) -> float:
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


def test_a_request_is_counted_by_endpoint_and_status_never_by_path_or_agency(owner, tenant, scrape):
    before = scrape()
    owner.get("/dashboard/")
    owner.get("/bonds/999999")  # a 404 from a real endpoint
    owner.get("/no/such/page")  # no endpoint at all
    owner.client.open("/dashboard/", method="X-RANDOM-1", base_url=owner.base_url)
    after = scrape()
    count = "bbp_http_request_duration_seconds_count"
    assert value(after, count, endpoint="dashboard.index", status="200") == 1 + value(
        before, count, endpoint="dashboard.index", status="200"
    )
    assert value(after, count, endpoint="none", status="404") >= 1
    assert value(after, "bbp_http_request_duration_seconds_bucket", endpoint="dashboard.index")
    labels = {v for labelset, _ in after[count] for v in labelset.values()}
    assert not [v for v in labels if tenant.slug in v or "/" in v or "RANDOM" in v]
    assert value(after, count, method="other", status="405") >= 1


def test_jobs_are_timed_and_failures_counted_by_task(app, redis, tenant, scrape):
    with app.app_context():
        enqueue(job_functions.leave_mark, "metrics", tenant=tenant.info)
        enqueue(job_functions.explode, tenant=tenant.info)
        ObservedSimpleWorker([Queue("default", connection=redis)], connection=redis).work(
            burst=True
        )
    samples = scrape()
    ok, boom = "tests.job_functions:leave_mark", "tests.job_functions:explode"
    assert value(samples, "bbp_job_duration_seconds_count", task=ok) == 1
    assert value(samples, "bbp_job_duration_seconds_count", task=boom) == 1
    assert value(samples, "bbp_job_failures_total", task=boom) == 1
    assert value(samples, "bbp_job_failures_total", task=ok) == 0
    assert value(samples, "bbp_queue_jobs", queue="default", state="failed") == 1
    assert not [
        labels
        for labels, _ in samples["bbp_job_duration_seconds_count"]
        if tenant.slug in str(labels)
    ]


def test_queue_depth_and_the_age_of_the_oldest_waiting_job(app, redis, tenant, clock, scrape):
    with app.app_context():
        enqueue(job_functions.leave_mark, "waiting", tenant=tenant.info)
    clock.advance(minutes=5)
    samples = scrape()
    assert value(samples, "bbp_queue_jobs", queue="default", state="waiting") == 1
    assert value(samples, "bbp_queue_oldest_job_age_seconds", queue="default") >= 290


def test_reminder_outcomes(app, redis, scrape):
    with app.app_context():
        metrics.count_reminders(due=3, sent=2, skipped=1, postponed=0)
        metrics.count_reminders(failed=1)
    samples = scrape()
    assert value(samples, "bbp_reminders_total", outcome="due") == 3
    assert value(samples, "bbp_reminders_total", outcome="sent") == 2
    assert value(samples, "bbp_reminders_total", outcome="skipped") == 1
    assert value(samples, "bbp_reminders_total", outcome="failed") == 1


def test_texts_held_back_by_a_busy_sender_are_counted(app, redis, scrape):
    with app.app_context():
        metrics.count_texts(paced=4, too_late=2)
    samples = scrape()
    assert value(samples, "bbp_texts_paced_total", outcome="paced") == 4
    assert value(samples, "bbp_texts_paced_total", outcome="too_late") == 2


def test_owed_emails_are_counted_by_outcome(app, redis, scrape):
    with app.app_context():
        metrics.count_emails(sent=5, retry=2, failed=1)
    samples = scrape()
    assert value(samples, "bbp_emails_total", outcome="sent") == 5
    assert value(samples, "bbp_emails_total", outcome="retry") == 2
    assert value(samples, "bbp_emails_total", outcome="failed") == 1


def test_the_scheduler_lag_is_the_oldest_due_work_no_tick_has_queued(
    app, redis, clock, tenant, scrape
):
    clock.set(EARLY)  # before anything other tests' agencies could have due
    assert value(scrape(), "bbp_scheduler_lag_seconds") == 0
    assert value(scrape(), "bbp_schedulers") == 0
    wake_at(app, tenant, EARLY - timedelta(seconds=95))
    assert value(scrape(), "bbp_scheduler_lag_seconds") == pytest.approx(95)
    with app.app_context():
        periodic.tick(EARLY)  # queued now: the queue's age shows it, not the lag
    assert value(scrape(), "bbp_scheduler_lag_seconds") == 0


def test_an_unreadable_value_costs_its_own_metric_only(redis, scrape):
    redis.hset(metrics.REMINDERS_KEY, "due", "not a number")
    samples = scrape()
    assert "bbp_reminders_total" not in samples
    assert "bbp_queue_jobs" in samples and "bbp_scheduler_lag_seconds" in samples


def test_the_reminder_engine_counts_what_it_sent_and_skipped(app, redis, book, scrape):  # noqa: F811
    agency, _, _ = book
    with app.app_context(), bound(agency.info, db.session):
        reminders.plan(COURT - timedelta(days=8))
        reminders.send_due(COURT - timedelta(days=1) + timedelta(minutes=1))
    samples = scrape()
    # Due: the 7-day and 3-day reminders of two people (too late now) and their 1-day ones.
    assert value(samples, "bbp_reminders_total", outcome="due") == 6
    assert value(samples, "bbp_reminders_total", outcome="skipped") == 4
    assert value(samples, "bbp_reminders_total", outcome="sent") == 2
