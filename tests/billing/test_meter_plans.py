"""Each plan's metered texts Price on the platform's one meter; subscriptions carry both items."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select

from bbp.billing import accounts, meters, services, stripe_api
from bbp.billing.models import BillingAccount, BillingMeter
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from tests.billing.support import calls, make_plan, plan, plan_fields


def test_a_plan_gets_a_graduated_metered_price_on_the_texts_meter(app):
    made = plan(app, make_plan(app, included_texts=500, text_overage_cents=Decimal("0.75")))
    with app.app_context():
        price = stripe_api.client().v1.prices.retrieve(made.stripe_overage_price_id)
        meter = stripe_api.client().v1.billing.meters.retrieve(price.recurring.meter)
    assert price.product == made.stripe_product_id and price.currency == "usd"
    assert (price.recurring.interval, price.recurring.usage_type) == ("month", "metered")
    assert (meter.event_name, meter.default_aggregation.formula) == (meters.TEXTS_EVENT, "sum")
    assert (price.billing_scheme, price.tiers_mode) == ("tiered", "graduated")
    # The included texts are free; each one after costs three quarters of a cent.
    assert [(t.up_to, t.unit_amount, t.unit_amount_decimal) for t in price.tiers] == [
        (500, 0, Decimal("0")),
        (None, None, Decimal("0.75")),
    ]


def test_a_plan_without_included_texts_prices_every_text(app):
    made = plan(app, make_plan(app, included_texts=0, text_overage_cents=Decimal("2")))
    with app.app_context():
        price = stripe_api.client().v1.prices.retrieve(made.stripe_overage_price_id)
    assert (price.billing_scheme, price.unit_amount_decimal) == ("per_unit", Decimal("2"))


def test_every_plan_shares_one_meter_made_once(app):
    first, second = plan(app, make_plan(app)), plan(app, make_plan(app))
    with app.app_context():
        client = stripe_api.client()
        meter_ids = {
            client.v1.prices.retrieve(p.stripe_overage_price_id).recurring.meter
            for p in (first, second)
        }
        saved = db.session.get(BillingMeter, meters.TEXTS_EVENT).stripe_meter_id
        active = [
            m.id
            for m in client.v1.billing.meters.list(params={"status": "active"})
            if m.event_name == meters.TEXTS_EVENT
        ]
    assert meter_ids == {saved} and active == [saved]


def test_a_lost_meter_row_adopts_the_meter_stripe_already_has(app):
    make_plan(app)
    with app.app_context():
        saved = meters.texts_meter_id()
        db.session.execute(delete(BillingMeter))  # a database reset, same Stripe account
        db.session.commit()
        created = len(calls(app, "POST", "/v1/billing/meters"))
        assert meters.texts_meter_id() == saved
        db.session.commit()
        assert len(calls(app, "POST", "/v1/billing/meters")) == created
        assert db.session.scalar(select(BillingMeter.stripe_meter_id)) == saved


def test_new_texts_terms_make_a_new_metered_price_and_subscribers_keep_theirs(app, tenant):
    plan_id = make_plan(app, included_texts=1000, text_overage_cents=Decimal("1.5"))
    before = plan(app, plan_id)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe(tenant.info.id)
        services.update_plan(
            plan_id,
            plan_fields(name=before.name, included_texts=2000, text_overage_cents=Decimal("1")),
            "someone@bbp.example",
        )
    after = plan(app, plan_id)
    assert after.stripe_overage_price_id != before.stripe_overage_price_id
    assert after.stripe_price_id == before.stripe_price_id  # the monthly price did not change
    with app.app_context():
        client = stripe_api.client()
        new = client.v1.prices.retrieve(after.stripe_overage_price_id)
        old = client.v1.prices.retrieve(before.stripe_overage_price_id)
        assert [t.up_to for t in new.tiers] == [2000, None] and old.active is False
        account = db.session.get(BillingAccount, tenant.info.id)
        assert account.stripe_overage_price_id == before.stripe_overage_price_id
        sub = client.v1.subscriptions.retrieve(account.stripe_subscription_id)
        assert before.stripe_overage_price_id in [i.price.id for i in sub["items"].data]
        entry = db.session.scalar(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == "plan.texts_repriced",
                PlatformAuditEntry.target_id == str(plan_id),
            )
        )
    assert entry.actor_label == "someone@bbp.example"
    assert (entry.before["stripe_overage_price_id"], entry.after["stripe_overage_price_id"]) == (
        before.stripe_overage_price_id,
        after.stripe_overage_price_id,
    )
    assert (entry.before["included_texts"], entry.after["included_texts"]) == (1000, 2000)


def test_the_same_texts_terms_written_differently_make_no_new_price(app):
    plan_id = make_plan(app, text_overage_cents=Decimal("1.5"))
    before = plan(app, plan_id)
    prices = len(calls(app, "POST", "/v1/prices"))
    with app.app_context():
        services.update_plan(
            plan_id, plan_fields(name=before.name, text_overage_cents=Decimal("1.50")), "t"
        )
    assert plan(app, plan_id).stripe_overage_price_id == before.stripe_overage_price_id
    assert len(calls(app, "POST", "/v1/prices")) == prices


def test_a_new_agencys_subscription_has_the_monthly_and_the_metered_item(app, tenant, clock):
    plan_id = make_plan(app)
    made = plan(app, plan_id)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe(tenant.info.id)
        account = db.session.get(BillingAccount, tenant.info.id)
        sub = stripe_api.client().v1.subscriptions.retrieve(account.stripe_subscription_id)
    items = {i.price.id: i.quantity for i in sub["items"].data}
    assert items == {made.stripe_price_id: 1, made.stripe_overage_price_id: None}
    assert account.stripe_price_id == made.stripe_price_id
    assert account.stripe_overage_price_id == made.stripe_overage_price_id
    # Texts are metered from the start of the hour the subscription began.
    assert account.texts_metered_through == clock.now.replace(minute=0, second=0, microsecond=0)
