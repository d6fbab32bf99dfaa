"""Deleting an agency cancels its subscription at period end by a job after the commit; undoing
the deletion switches that off (or says the subscription ended); the purge cancels at once.
Idempotent, retried while Stripe is down, audited in both logs."""

from __future__ import annotations

from rq import Queue
from rq.registry import ScheduledJobRegistry

from bbp.billing import accounts, closing, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.platform import lifecycle
from bbp.platform.purge import purge_due
from bbp.tenancy.models import Tenant
from tests.billing.owner_support import account as billing_row
from tests.billing.owner_support import paid_up
from tests.billing.owner_support import subscribe as owner_subscribe
from tests.billing.support import (
    account,
    agency_entries,
    calls,
    make_plan,
    platform_actions,
    subscribed,
)
from tests.platform.archive_support import work
from tests.platform.conftest import page_text


def _delete(app, agency) -> None:
    with app.app_context():
        lifecycle.schedule_deletion(agency.info.id, "Agency closed", agency.slug, "test")


def _undo(app, agency) -> None:
    with app.app_context():
        lifecycle.undo_deletion(agency.info.id, "Changed their mind", "test")


def _stripe_sub(app, subscription_id: str) -> dict:
    with app.app_context():
        return stripe_api.fake().get("subscriptions", subscription_id)


def _scheduled(app) -> list[str]:
    queue = Queue("default", connection=app.extensions["redis"])
    return [
        queue.fetch_job(job_id).func_name
        for job_id in ScheduledJobRegistry(queue=queue).get_job_ids()
    ]


def test_deleting_cancels_at_period_end_once_and_audits_both_logs(app, tenant, clock):
    subscribed(app, tenant, trial_days=14)
    sub_id = account(app, tenant.info.id).stripe_subscription_id
    _delete(app, tenant)
    assert _stripe_sub(app, sub_id)["cancel_at_period_end"] is False  # the job runs after commit
    work(app)
    sub = _stripe_sub(app, sub_id)
    assert (
        sub["cancel_at_period_end"] is True and sub["status"] == "trialing"
    )  # no refund, no charge
    row = account(app, tenant.info.id)
    assert row.cancel_at_period_end is True and row.subscription_status == "trialing"
    [call] = calls(app, "POST", f"/v1/subscriptions/{sub_id}")
    assert "-cancel-at-period-end-" in call[2]
    with app.app_context():  # a second run (a retry after a crash) finds it done
        assert closing.close(tenant.info.id, 1) == "already canceling"
    assert len(calls(app, "POST", f"/v1/subscriptions/{sub_id}")) == 1
    assert platform_actions(app, tenant.info.id)[-1] == "billing.canceled"
    [(action, actor, after)] = agency_entries(app, tenant)
    assert action == "billing.canceled" and actor == "BailBondPro: billing"
    assert after["when"] == "at period end" and after["reason"] == "agency deleted"


def test_stripe_down_leaves_the_job_to_be_retried(app, tenant, clock, monkeypatch):
    subscribed(app, tenant)
    sub_id = account(app, tenant.info.id).stripe_subscription_id
    with app.app_context():
        fake = stripe_api.fake()

    def down(params, id):
        raise StripeFault(503, "Stripe is having a moment.", "api_error")

    monkeypatch.setattr(fake, "_update_subscriptions", down)
    _delete(app, tenant)
    work(app)
    assert "bbp.billing.closing.close_job" in _scheduled(app)  # tried again in a minute
    assert account(app, tenant.info.id).cancel_at_period_end is False
    monkeypatch.undo()
    with app.app_context():
        assert closing.close(tenant.info.id, 1) == "cancels at period end"
    assert _stripe_sub(app, sub_id)["cancel_at_period_end"] is True


def test_undoing_the_deletion_keeps_the_subscription_running(app, console_as, tenant, clock):
    subscribed(app, tenant)
    sub_id = account(app, tenant.info.id).stripe_subscription_id
    _delete(app, tenant)
    work(app)
    _undo(app, tenant)
    work(app)
    assert _stripe_sub(app, sub_id)["cancel_at_period_end"] is False
    assert account(app, tenant.info.id).cancel_at_period_end is False
    assert [a for a, _, _ in agency_entries(app, tenant)] == [
        "billing.canceled",
        "billing.reopened",
    ]
    assert platform_actions(app, tenant.info.id)[-1] == "billing.reopened"
    text = page_text(console_as("finance").get(f"/platform/agencies/{tenant.slug}"))
    assert "Cancel at period end No" in text


def test_an_undo_before_the_cancellation_ran_cancels_nothing(app, tenant):
    subscribed(app, tenant)
    sub_id = account(app, tenant.info.id).stripe_subscription_id
    _delete(app, tenant)
    _undo(app, tenant)
    work(app)  # the cancellation finds the agency open again; the reopen finds nothing to do
    assert calls(app, "POST", f"/v1/subscriptions/{sub_id}") == []
    assert agency_entries(app, tenant) == []


def test_a_subscription_that_ended_during_the_grace_stays_ended(app, console_as, tenant, clock):
    subscribed(app, tenant)
    sub_id = account(app, tenant.info.id).stripe_subscription_id
    _delete(app, tenant)
    work(app)
    with app.app_context():  # the period ended: Stripe canceled it (no webhook seen yet)
        stripe_api.client().v1.subscriptions.cancel(sub_id)
    _undo(app, tenant)
    work(app)
    row = account(app, tenant.info.id)
    assert row.subscription_status == "canceled"
    assert [a for a, _, _ in agency_entries(app, tenant)][-1] == "billing.ended_while_closed"
    text = page_text(console_as("finance").get(f"/platform/agencies/{tenant.slug}"))
    assert "needs a plan again" in text


def test_the_purge_cancels_at_once_and_never_waits_for_stripe(app, make_agency, clock, monkeypatch):
    agency = make_agency("closing")
    subscribed(app, agency, trial_days=90)  # a trial outlasting the grace
    sub_id = account(app, agency.info.id).stripe_subscription_id
    _delete(app, agency)
    work(app)
    clock.advance(days=31)
    with app.app_context():
        fake = stripe_api.fake()

    def down(params, id):
        raise StripeFault(503, "Stripe is having a moment.", "api_error")

    monkeypatch.setattr(fake, "_cancel", down)
    with app.app_context():
        assert purge_due()["purged"] == [agency.slug]  # Stripe's outage fails nothing
    work(app)
    assert "bbp.billing.closing.close_job" in _scheduled(app)
    monkeypatch.undo()
    with app.app_context():
        assert closing.close(agency.info.id, 1) == "canceled at once"
        assert db.session.get(Tenant, agency.info.id).status == "purged"
    assert _stripe_sub(app, sub_id)["status"] == "canceled"
    assert account(app, agency.info.id).subscription_status == "canceled"
    cancels = calls(app, "DELETE", f"/v1/subscriptions/{sub_id}")
    assert cancels and all(key.endswith("-cancel-now") for _, _, key in cancels)
    assert platform_actions(app, agency.info.id)[-2:] == ["billing.canceled", "billing.canceled"]
    with app.app_context():
        assert closing.close(agency.info.id, 1) == "already ended"


def test_an_agency_without_a_plan_queues_nothing(app, tenant):
    queue = Queue("default", connection=app.extensions["redis"])
    _delete(app, tenant)
    mine = [job for job in queue.jobs if job.args and job.args[0] == tenant.info.id]
    assert [job.func_name for job in mine if "closing" in job.func_name] == []


def test_a_deleting_agency_is_never_subscribed(app, tenant):
    plan_id = make_plan(app)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
    _delete(app, tenant)  # before the subscription job ran
    before = len(calls(app, "POST", "/v1/subscriptions"))
    with app.app_context():
        assert accounts.subscribe(tenant.info.id) is None
    assert len(calls(app, "POST", "/v1/subscriptions")) == before
    assert account(app, tenant.info.id).stripe_subscription_id is None


def test_undoing_a_deletion_keeps_the_owners_own_cancellation(app, clock, visit, tenant):
    owner_subscribe(app, tenant, monthly_price_cents=10000, trial_days=0)
    paid_up(app, tenant)
    owner = visit(tenant)
    owner.login(tenant.owner_email)
    assert owner.post("/billing/cancel").status_code == 303  # the owner's own decision
    sub_id = billing_row(app, tenant).stripe_subscription_id
    with app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "Agency closed", tenant.slug, "test")
    work(app)
    with app.app_context():
        lifecycle.undo_deletion(tenant.info.id, "Mistake", "test")
    work(app)
    with app.app_context():
        assert stripe_api.fake().get("subscriptions", sub_id)["cancel_at_period_end"] is True
