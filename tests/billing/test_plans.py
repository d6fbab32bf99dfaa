"""Plans: a Stripe Product and monthly Price each; a new price never moves a subscriber."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.billing import accounts, services, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.models import BillingAccount, Plan
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.platform.models import PlatformAuditEntry
from tests.billing.support import calls, make_plan, plan, plan_fields


def test_a_plan_gets_a_product_and_a_monthly_price_through_the_sdk(app):
    before = len(calls(app, "POST", "/v1/prices"))
    made = plan(app, make_plan(app, monthly_price_cents=4900, text_overage_cents=Decimal("0.75")))
    assert made.stripe_product_id.startswith("prod_")
    assert made.stripe_price_id.startswith("price_")
    # The monthly Price and the metered texts Price (tests/billing/test_meter_plans.py).
    assert len(calls(app, "POST", "/v1/prices")) == before + 2
    with app.app_context():
        price = stripe_api.client().v1.prices.retrieve(made.stripe_price_id)
        assert (price.unit_amount, price.currency, price.recurring.interval) == (
            4900,
            "usd",
            "month",
        )
        assert price.product == made.stripe_product_id
        assert db.session.get(Plan, made.id).text_overage_cents == Decimal("0.7500")


def test_plan_names_are_unique_regardless_of_case(app):
    name = plan(app, make_plan(app)).name
    with app.app_context(), pytest.raises(DomainError) as refused:
        services.create_plan(plan_fields(name=name.upper()), "test")
    assert refused.value.field == "name"


def test_a_price_change_makes_a_new_price_and_subscribers_keep_theirs(app, tenant):
    plan_id = make_plan(app, monthly_price_cents=9900)
    old_price = plan(app, plan_id).stripe_price_id
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe(tenant.info.id)
        services.update_plan(
            plan_id,
            plan_fields(name=plan(app, plan_id).name, monthly_price_cents=12900),
            "someone@bbp.example",
        )
    changed = plan(app, plan_id)
    assert changed.stripe_price_id != old_price and changed.monthly_price_cents == 12900
    with app.app_context():
        client = stripe_api.client()
        assert client.v1.prices.retrieve(changed.stripe_price_id).unit_amount == 12900
        old = client.v1.prices.retrieve(old_price)
        assert (old.unit_amount, old.active) == (9900, False)  # no longer offered, still billed
        account = db.session.get(BillingAccount, tenant.info.id)
        assert account.stripe_price_id == old_price
        sub = client.v1.subscriptions.retrieve(account.stripe_subscription_id)
        assert sub["items"].data[0].price.id == old_price
        entry = db.session.scalar(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == "plan.price_changed",
                PlatformAuditEntry.target_id == str(plan_id),
            )
        )
        assert entry.actor_label == "someone@bbp.example"
        assert (entry.before["stripe_price_id"], entry.after["stripe_price_id"]) == (
            old_price,
            changed.stripe_price_id,
        )
        assert (entry.before["monthly_price_cents"], entry.after["monthly_price_cents"]) == (
            9900,
            12900,
        )


def test_a_change_without_a_new_price_keeps_the_price(app):
    plan_id = make_plan(app)
    before = plan(app, plan_id)
    prices = len(calls(app, "POST", "/v1/prices"))
    with app.app_context():
        services.update_plan(
            plan_id, plan_fields(name=before.name + " Plus", trial_days=30), "test"
        )
        product = stripe_api.client().v1.products.retrieve(before.stripe_product_id)
    after = plan(app, plan_id)
    assert after.stripe_price_id == before.stripe_price_id and after.trial_days == 30
    assert product.name == before.name + " Plus"
    assert len(calls(app, "POST", "/v1/prices")) == prices


def test_a_repeated_price_change_finds_the_same_new_price(app):
    plan_id = make_plan(app, monthly_price_cents=1000)
    first = plan(app, plan_id)
    with app.app_context():
        key = f"bbp-plan-{plan_id}-after-{first.stripe_price_id}-2000"
        # A first attempt whose answer was lost: Stripe made the Price, our commit never came.
        attempt = db.session.get(Plan, plan_id)
        attempt.monthly_price_cents = 2000
        lost = services._new_price(attempt, key)
        db.session.rollback()
        services.update_plan(plan_id, plan_fields(name=first.name, monthly_price_cents=2000), "t")
    assert plan(app, plan_id).stripe_price_id == lost


def test_a_stripe_refusal_saves_no_plan_and_says_why(app, monkeypatch):
    fields = plan_fields()
    with app.app_context():

        def refuse(params):
            raise StripeFault(400, "Invalid currency: usd.", param="currency")

        monkeypatch.setattr(stripe_api.fake(), "_create_prices", refuse)
        with pytest.raises(DomainError, match="Stripe did not accept the change: Invalid currency"):
            services.create_plan(fields, "test")
        assert services.plan_by_name(fields["name"]) is None
