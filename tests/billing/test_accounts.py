"""Each agency's Stripe Customer and Subscription: made by a job, once, whatever the retries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import update

from bbp.billing import accounts, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.keys import platform_key
from bbp.settings import services as settings
from bbp.tenancy.context import bound
from tests.billing.support import calls, make_plan, plan
from tests.platform.archive_support import work


def fake_customers_of(app, tenant_id: int) -> list[dict]:
    """Every customer the fake Stripe holds for the agency (scanning its Redis objects)."""
    redis = app.extensions["redis"]
    found = []
    for key in redis.scan_iter(platform_key("stripe-fake", "object", "cus_*")):
        customer = json.loads(redis.get(key))
        if customer["metadata"].get("tenant_id") == str(tenant_id):
            found.append(customer)
    return found


def test_the_job_opens_a_customer_and_a_trial_subscription(app, tenant, clock):
    plan_id = make_plan(app, trial_days=21)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe_later(tenant.info.id)
    work(app)
    with app.app_context():
        account = db.session.get(BillingAccount, tenant.info.id)
        assert account.stripe_customer_id.startswith("cus_")
        assert account.stripe_subscription_id.startswith("sub_")
        assert account.subscription_status == "trialing"
        assert account.stripe_price_id == plan(app, plan_id).stripe_price_id
        assert account.trial_ends_at == clock.now.replace(microsecond=0) + timedelta(days=21)
        assert account.current_period_end == account.trial_ends_at
        customer = stripe_api.client().v1.customers.retrieve(account.stripe_customer_id)
        sub = stripe_api.client().v1.subscriptions.retrieve(account.stripe_subscription_id)
    assert customer.email == tenant.owner_email and customer.name == tenant.info.name
    assert customer.metadata["slug"] == tenant.slug and customer.address is None
    assert sub.customer == customer.id and sub.metadata["tenant_id"] == str(tenant.info.id)


def test_the_customer_carries_the_agencys_address_for_invoices_and_tax(app, tenant):
    plan_id = make_plan(app)
    with app.app_context(), bound(tenant.info, db.session):
        agency = settings.current()
        agency.address_line1, agency.city, agency.state = "12 Court St", "Macon", "GA"
        agency.postal_code = "31201"
        db.session.commit()
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe(tenant.info.id)
        account = accounts.account_of(tenant.info.id)
        customer = stripe_api.client().v1.customers.retrieve(account.stripe_customer_id)
    assert customer.address.to_dict() == {
        "line1": "12 Court St",
        "city": "Macon",
        "state": "GA",
        "postal_code": "31201",
        "country": "US",
    }


def test_running_the_job_twice_makes_one_customer_and_one_subscription(app, tenant):
    plan_id = make_plan(app)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        before = len(calls(app, "POST", "/v1/customers"))
        first = accounts.subscribe(tenant.info.id)
        again = accounts.subscribe(tenant.info.id)
    assert first == again
    assert len(calls(app, "POST", "/v1/customers")) == before + 1  # the row said it was done


def test_a_lost_answer_is_retried_into_the_same_objects(app, tenant):
    """Stripe made them but our row never heard: the idempotency keys get the same ones back."""
    plan_id = make_plan(app)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        first = accounts.subscribe(tenant.info.id)
        customer = db.session.get(BillingAccount, tenant.info.id).stripe_customer_id
        db.session.execute(
            update(BillingAccount)
            .where(BillingAccount.tenant_id == tenant.info.id)
            .values(stripe_customer_id=None, stripe_subscription_id=None)
        )
        db.session.commit()
        again = accounts.subscribe(tenant.info.id)
        account = db.session.get(BillingAccount, tenant.info.id)
        assert (account.stripe_customer_id, again) == (customer, first)
    assert [c["id"] for c in fake_customers_of(app, tenant.info.id)] == [customer]


def test_an_agency_without_a_plan_is_left_alone(app, tenant):
    with app.app_context():
        assert accounts.subscribe(tenant.info.id) is None


def test_only_offered_plans_can_be_chosen_and_only_once(app, tenant):
    retired = make_plan(app, active=False)
    offered = make_plan(app)
    with app.app_context():
        with pytest.raises(DomainError, match="plans offered"):
            accounts.choose_plan(tenant.info.id, retired, "test")
        accounts.choose_plan(tenant.info.id, offered, "test")
        with pytest.raises(DomainError, match="already has a plan"):
            accounts.choose_plan(tenant.info.id, offered, "test")


def test_a_failed_step_is_finished_by_the_next_run_without_repeating_the_first(
    app, tenant, monkeypatch
):
    plan_id = make_plan(app)
    with app.app_context():
        fake = stripe_api.fake()
        accounts.choose_plan(tenant.info.id, plan_id, "test")

        def refuse(params):
            raise StripeFault(503, "Stripe is having a moment.", "api_error")

        monkeypatch.setattr(fake, "_create_subscriptions", refuse)
        with pytest.raises(stripe.APIError):  # after the SDK's own retries
            accounts.subscribe(tenant.info.id)
        account = db.session.get(BillingAccount, tenant.info.id)
        customer = account.stripe_customer_id
        assert customer and account.stripe_subscription_id is None  # the first step is kept
        monkeypatch.undo()
        before = len(calls(app, "POST", "/v1/customers"))
        assert accounts.subscribe(tenant.info.id).startswith("sub_")
        assert db.session.get(BillingAccount, tenant.info.id).stripe_customer_id == customer
    assert len(calls(app, "POST", "/v1/customers")) == before


def test_with_stripe_tax_on_the_subscription_is_taxed_when_the_agency_has_an_address(
    app, tenant, other_tenant
):
    plan_id = make_plan(app)
    with app.app_context(), bound(tenant.info, db.session):
        agency = settings.current()
        agency.address_line1, agency.postal_code = "12 Court St", "31201"
        db.session.commit()
    app.config["STRIPE_AUTOMATIC_TAX"] = True
    try:
        with app.app_context():
            for agency in (tenant, other_tenant):
                accounts.choose_plan(agency.info.id, plan_id, "test")
                accounts.subscribe(agency.info.id)
            taxed, untaxed = (
                stripe_api.client().v1.subscriptions.retrieve(
                    accounts.account_of(agency.info.id).stripe_subscription_id
                )
                for agency in (tenant, other_tenant)
            )
    finally:
        app.config["STRIPE_AUTOMATIC_TAX"] = False
    assert taxed.automatic_tax.enabled is True
    # No address to tax by: Stripe would refuse, so the trial starts untaxed (and it is logged).
    assert untaxed.automatic_tax.enabled is False
