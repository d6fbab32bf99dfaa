"""The fake Stripe's billing cycle: invoices issued, listed, paid and failed through the SDK."""

from __future__ import annotations

import pytest
import stripe

from bbp.billing import stripe_api
from bbp.billing.meters import TEXTS_EVENT
from tests.billing.support import account, monthly_price, subscribed


@pytest.fixture
def client(app):
    with app.app_context():
        yield stripe_api.client()


@pytest.fixture
def fake(app):
    with app.app_context():
        yield stripe_api.fake()


def _subscription(client, trial_days=0, amount=9900):
    customer = client.v1.customers.create(params={"name": "Liberty"})
    price = monthly_price(client, amount)
    params = {"customer": customer.id, "items": [{"price": price.id}]}
    params |= {"payment_behavior": "default_incomplete"}
    if trial_days:
        params["trial_period_days"] = trial_days
    return client.v1.subscriptions.create(params=params)


def test_a_trial_period_is_billed_nothing_and_the_subscription_turns_active(client, fake, clock):
    sub = _subscription(client, trial_days=14)
    clock.advance(days=14)
    invoice = fake.issue_invoice(sub.id)
    assert (invoice["status"], invoice["amount_due"]) == ("paid", 0)
    assert invoice["period_end"] == sub.trial_end
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active"
    assert after["items"].data[0].current_period_start == sub.trial_end


def test_a_cycle_run_early_ends_the_period_now_never_in_the_future(client, fake, clock):
    sub = _subscription(client, trial_days=14)
    clock.advance(days=2)
    now = int(clock.now.timestamp())
    fake.issue_invoice(sub.id)  # the trial ends today, as a simulated payment needs
    failed = fake.issue_invoice(sub.id, outcome="failed")
    after = client.v1.subscriptions.retrieve(sub.id)
    assert (after.status, after.trial_end) == ("past_due", now)
    assert failed["period_end"] == now  # billed up to now, not a month ahead
    assert after["items"].data[0].current_period_start == now


def test_a_paid_cycle_bills_the_price_and_lists_newest_first(client, fake, clock):
    sub = _subscription(client, trial_days=14)
    fake.issue_invoice(sub.id)
    clock.advance(days=31)
    second = fake.issue_invoice(sub.id)
    assert (second["amount_due"], second["amount_paid"], second["status"]) == (9900, 9900, "paid")
    listed = client.v1.invoices.list(params={"customer": sub.customer, "limit": 12})
    assert listed.data[0].id == second["id"] and len(listed.data) == 2
    one = client.v1.invoices.retrieve(second["id"])
    assert isinstance(one, stripe.Invoice)
    assert one.parent.subscription_details.subscription == sub.id
    assert one.lines.data[0].amount == 9900 and one.number.endswith("-0002")
    assert one.hosted_invoice_url and one.invoice_pdf


def test_a_failed_payment_leaves_an_open_invoice_and_a_past_due_subscription(client, fake):
    sub = _subscription(client, trial_days=1)
    fake.issue_invoice(sub.id)
    failed = fake.issue_invoice(sub.id, outcome="failed")
    assert (failed["status"], failed["amount_remaining"], failed["attempt_count"]) == (
        "open",
        9900,
        1,
    )
    assert failed["next_payment_attempt"] is not None
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    open_ones = client.v1.invoices.list(params={"customer": sub.customer, "status": "open"})
    assert [inv.id for inv in open_ones.data] == [failed["id"]]

    paid = client.v1.invoices.pay(failed["id"])
    assert (paid.status, paid.amount_remaining) == ("paid", 0)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(failed["id"])


def test_invoices_are_listed_per_customer_only(client, fake):
    mine, theirs = _subscription(client, trial_days=1), _subscription(client, trial_days=1)
    fake.issue_invoice(mine.id)
    fake.issue_invoice(theirs.id)
    listed = client.v1.invoices.list(params={"customer": mine.customer})
    assert {inv.customer for inv in listed.data} == {mine.customer}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.list()


def test_pages_follow_starting_after(client, fake):
    sub = _subscription(client, trial_days=1)
    issued = [fake.issue_invoice(sub.id)["id"] for _ in range(3)]
    first = client.v1.invoices.list(params={"customer": sub.customer, "limit": 2})
    assert first.has_more and [i.id for i in first.data] == issued[::-1][:2]
    rest = client.v1.invoices.list(
        params={"customer": sub.customer, "limit": 2, "starting_after": first.data[-1].id}
    )
    assert not rest.has_more and [i.id for i in rest.data] == [issued[0]]


def test_a_canceled_subscription_is_not_billed(client, fake):
    sub = _subscription(client, trial_days=1)
    client.v1.subscriptions.cancel(sub.id)
    with pytest.raises(ValueError, match="canceled"):
        fake.issue_invoice(sub.id)


def test_a_cycle_bills_texts_beyond_the_included_ones_at_the_overage_price(app, tenant, clock):
    subscribed(app, tenant, monthly_price_cents=4900, included_texts=100)
    row = account(app, tenant.info.id)
    with app.app_context():
        client, fake = stripe_api.client(), stripe_api.fake()
        clock.advance(days=1)
        for value in (90, 35):  # 125 segments: 25 beyond the plan's 100
            client.v1.billing.meter_events.create(
                params={
                    "event_name": TEXTS_EVENT,
                    "timestamp": int(clock.now.timestamp()),
                    "payload": {"stripe_customer_id": row.stripe_customer_id, "value": value},
                }
            )
        clock.advance(minutes=1)
        sub = fake.get("subscriptions", row.stripe_subscription_id)
        sub["status"] = "active"  # a month already past its trial
        fake._save(sub)
        invoice = fake.issue_invoice(row.stripe_subscription_id)
    plan_line, texts_line = invoice["lines"]["data"]
    assert plan_line["amount"] == 4900
    assert texts_line["quantity"] == 125
    assert texts_line["amount"] == 38  # 25 x 1.5¢ = 37.5¢, rounded half up as Stripe rounds
    assert invoice["amount_due"] == 4938
