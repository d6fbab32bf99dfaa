"""The fake's invoice previews, prorated price changes and portal sessions, through the SDK."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe

from bbp.billing import stripe_api
from bbp.billing.fake_portal import PortalSessions
from bbp.billing.fake_previews import Previews
from bbp.billing.fake_stripe import FakeStripe
from tests.billing.support import monthly_price


@pytest.fixture
def client(app):
    with app.app_context():
        yield stripe_api.client()


def active_subscription(app, client, price):
    """A subscription on `price`, paid up (out of its trial as after a first invoice)."""
    customer = client.v1.customers.create(params={"name": "Liberty Bail"})
    sub = client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": price.id}],
            "payment_behavior": "default_incomplete",
        }
    )
    fake = stripe_api.fake()
    stored = fake.get("subscriptions", sub.id)
    stored["status"] = "active"
    fake._save(stored)
    return customer, client.v1.subscriptions.retrieve(sub.id)


def test_a_preview_of_a_price_change_prorates_by_the_second(app, client, clock):
    old, new = monthly_price(client, 10000, "Starter"), monthly_price(client, 30000, "Pro")
    customer, sub = active_subscription(app, client, old)
    item = sub["items"].data[0]
    clock.advance(days=12, hours=5)
    at = int(clock.now.timestamp())
    start, end = item.current_period_start, item.current_period_end
    preview = client.v1.invoices.create_preview(
        params={
            "customer": customer.id,
            "subscription": sub.id,
            "subscription_details": {
                "items": [{"id": item.id, "price": new.id}],
                "proration_date": at,
            },
        }
    )
    left = (end - at) / (end - start)
    credit, charge, renewal = preview.lines.data
    assert credit.amount == -round(10000 * left) and credit.period.start == at
    assert credit.description.startswith("Unused time on Starter after")
    assert charge.amount == round(30000 * left) and charge.description.startswith(
        "Remaining time on Pro"
    )
    assert renewal.amount == 30000 and renewal.period.start == end
    assert preview.amount_due == preview.total == credit.amount + charge.amount + 30000
    assert credit.parent.subscription_item_details.proration is True
    assert renewal.parent.subscription_item_details.proration is False


def test_the_update_keeps_the_previewed_prorations_for_the_next_invoice(app, client, clock):
    old, new = monthly_price(client, 10000), monthly_price(client, 20000)
    customer, sub = active_subscription(app, client, old)
    item = sub["items"].data[0]
    clock.advance(days=3)
    at = int(clock.now.timestamp())
    clock.advance(minutes=7)  # confirmed a little later: the same proration date is sent
    client.v1.subscriptions.update(
        sub.id,
        params={
            "items": [{"id": item.id, "price": new.id}],
            "proration_behavior": "create_prorations",
            "proration_date": at,
        },
    )
    preview = client.v1.invoices.create_preview(
        params={"customer": customer.id, "subscription": sub.id}
    )
    prorations = [
        line for line in preview.lines.data if line.parent.subscription_item_details.proration
    ]
    assert [line.period.start for line in prorations] == [at, at]
    invoice = stripe_api.fake().issue_invoice(sub.id)
    assert {line["description"] for line in invoice["lines"]["data"]} >= {
        line.description for line in prorations
    }
    after = client.v1.invoices.create_preview(
        params={"customer": customer.id, "subscription": sub.id}
    )
    assert not [
        line for line in after.lines.data if line.parent.subscription_item_details.proration
    ]


def test_no_prorations_while_trialing(app, client, clock):
    old, new = monthly_price(client, 10000), monthly_price(client, 20000)
    customer = client.v1.customers.create(params={"name": "Trial Bail"})
    sub = client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": old.id}], "trial_period_days": 14}
    )
    item = sub["items"].data[0]
    trial = client.v1.invoices.create_preview(
        params={
            "customer": customer.id,
            "subscription": sub.id,
            "subscription_details": {"items": [{"id": item.id, "price": new.id}]},
        }
    )
    assert [line.amount for line in trial.lines.data] == [20000]


def test_a_proration_date_outside_the_period_and_an_ending_subscription_are_refused(
    app, client, clock
):
    old, new = monthly_price(client, 10000), monthly_price(client, 20000)
    customer, sub = active_subscription(app, client, old)
    item = sub["items"].data[0]
    early = int((clock.now - timedelta(days=1)).timestamp())
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.update(
            sub.id, params={"items": [{"id": item.id, "price": new.id}], "proration_date": early}
        )
    assert refused.value.param == "proration_date"
    client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    with pytest.raises(stripe.InvalidRequestError) as none:
        client.v1.invoices.create_preview(params={"customer": customer.id, "subscription": sub.id})
    assert none.value.code == "invoice_upcoming_none"


def test_a_portal_session_leads_to_the_stand_in_on_the_return_urls_host(app, client):
    customer = client.v1.customers.create(params={"name": "Liberty Bail"})
    session = client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "http://liberty.localhost:5000/billing/"}
    )
    assert session.object == "billing_portal.session" and session.id.startswith("bps_")
    assert session.url == f"http://liberty.localhost:5000/dev/billing-portal/{session.id}"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create(
            params={"customer": customer.id, "return_url": "nope"}
        )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create(
            params={"customer": "cus_missing", "return_url": session.return_url}
        )


def test_the_preview_and_portal_mixins_hide_no_other_mixins_names():
    """A name two mixins share silently resolves to the MRO's first; ours must not collide."""
    ours = (Previews, PortalSessions)
    others = [b for b in FakeStripe.__mro__[1:] if "KINDS" in b.__dict__ and b not in ours]
    taken = {name for other in others for name in other.__dict__ if not name.startswith("__")}
    for mixin in ours:
        clashes = {n for n in mixin.__dict__ if not n.startswith("__")} & taken
        assert clashes <= {"KINDS", "ROUTES"}, f"{mixin.__name__}: {sorted(clashes)}"
    assert len(others) >= 4
