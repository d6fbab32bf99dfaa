"""The fake Stripe answers the real SDK: shapes, errors, idempotency, shared through Redis."""

from __future__ import annotations

import hashlib
import json

import pytest
import stripe

from bbp.billing import stripe_api
from bbp.billing.fake_stripe import FakeStripe
from bbp.kernel.keys import platform_key
from tests.billing.support import monthly_price
from tests.conftest import dispose, make_app


@pytest.fixture
def client(app):
    with app.app_context():
        yield stripe_api.client()


def test_without_a_key_the_app_uses_the_real_sdk_over_the_fake(app, client):
    assert isinstance(client, stripe.StripeClient)
    with app.app_context():
        fake = stripe_api.fake()
    assert isinstance(fake, FakeStripe) and isinstance(fake, stripe.HTTPClient)
    customer = client.v1.customers.create(params={"name": "Liberty Bail", "email": "o@l.example"})
    assert customer.id.startswith("cus_") and customer.email == "o@l.example"
    assert ("POST", "/v1/customers", fake.requests[-1][2]) == fake.requests[-1]
    assert fake.requests[-1][2], "the SDK sends an Idempotency-Key with every POST"


def test_a_key_switches_the_fake_off(app, database_url, redis_url):
    real = make_app(database_url, redis_url, STRIPE_SECRET_KEY="sk_test_123")
    with real.app_context():
        assert stripe_api.fake() is None
        assert isinstance(stripe_api.client(), stripe.StripeClient)
    dispose(real)


def test_objects_are_kept_in_redis_for_every_process(app, client):
    product = client.v1.products.create(params={"name": "Pro"})
    other = FakeStripe(app.extensions["redis"])  # another process's fake, same Redis
    price = stripe.StripeClient("sk_test_x", http_client=other).v1.prices.create(
        params={
            "product": product.id,
            "unit_amount": 4900,
            "currency": "usd",
            "recurring": {"interval": "month"},
        }
    )
    assert price.id.startswith("price_")
    fetched = client.v1.prices.retrieve(price.id)
    assert (fetched.unit_amount, fetched.recurring.interval, fetched.product) == (
        4900,
        "month",
        product.id,
    )


def test_a_price_is_immutable(client):
    product = client.v1.products.create(params={"name": "Starter"})
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 100, "currency": "usd"}
    )
    with pytest.raises(stripe.InvalidRequestError, match="unit_amount"):
        client.v1.prices.update(price.id, params={"unit_amount": 200})  # type: ignore[typeddict-unknown-key]
    assert client.v1.prices.update(price.id, params={"active": False}).active is False


def test_the_same_idempotency_key_returns_the_same_object(client):
    options = {"idempotency_key": "test-customer-once"}
    first = client.v1.customers.create(params={"name": "A"}, options=options)
    again = client.v1.customers.create(params={"name": "A"}, options=options)
    assert first.id == again.id
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.customers.create(params={"name": "B"}, options=options)


def test_missing_objects_are_stripe_404s(client):
    with pytest.raises(stripe.InvalidRequestError, match="No such customer") as missing:
        client.v1.customers.retrieve("cus_nope")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"


def test_subscriptions_trial_update_and_cancel(client, clock):
    customer = client.v1.customers.create(params={"name": "Liberty"})
    price = monthly_price(client, 9900, "Pro")
    sub = client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": price.id}],
            "trial_period_days": 14,
            "payment_behavior": "default_incomplete",
            "metadata": {"tenant_id": "7"},
        }
    )
    assert sub.id.startswith("sub_") and sub.status == "trialing"
    assert sub.trial_end - sub.trial_start == 14 * 86400
    assert sub.trial_start == int(clock.now.timestamp())
    assert sub["items"].data[0].price.id == price.id
    assert sub["items"].data[0].current_period_end == sub.trial_end
    assert sub.metadata["tenant_id"] == "7"

    later = client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    assert later.cancel_at_period_end and later.cancel_at == sub.trial_end
    assert client.v1.subscriptions.retrieve(sub.id).cancel_at_period_end
    ended = client.v1.subscriptions.cancel(sub.id)
    assert ended.status == "canceled" and ended.ended_at == int(clock.now.timestamp())


def test_without_a_trial_or_card_a_subscription_waits_for_payment(client):
    customer = client.v1.customers.create(params={"name": "No card"})
    price = monthly_price(client, 100, "Pro")
    items = [{"price": price.id}]
    with pytest.raises(stripe.InvalidRequestError, match="no attached payment source"):
        client.v1.subscriptions.create(params={"customer": customer.id, "items": items})
    sub = client.v1.subscriptions.create(
        params={"customer": customer.id, "items": items, "payment_behavior": "default_incomplete"}
    )
    assert sub.status == "incomplete"


def test_a_key_still_in_flight_is_a_409_conflict(app):
    fake = FakeStripe(app.extensions["redis"])
    client = stripe.StripeClient("sk_test_x", http_client=fake, max_network_retries=0)
    key = "test-in-flight"
    slot = platform_key("stripe-fake", "idempotency", hashlib.sha256(key.encode()).hexdigest())
    app.extensions["redis"].set(slot, json.dumps({"pending": True}), ex=60)
    # The SDK reads a 409 as a plain APIError (and, with retries on, tries again).
    with pytest.raises(stripe.APIError, match="another in-progress request") as conflict:
        client.v1.customers.create(params={"name": "A"}, options={"idempotency_key": key})
    assert conflict.value.http_status == 409
    assert conflict.value.json_body["error"]["type"] == "idempotency_error"


def test_automatic_tax_needs_the_customers_address_as_stripe_does(client):
    price = monthly_price(client, 4900, "Pro")
    nowhere = client.v1.customers.create(params={"name": "No address"})
    placed = client.v1.customers.create(
        params={"name": "Macon", "address": {"postal_code": "31201", "country": "US"}}
    )
    params = {
        "items": [{"price": price.id}],
        "trial_period_days": 7,
        "automatic_tax": {"enabled": True},
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.create(params={**params, "customer": nowhere.id})
    assert refused.value.code == "customer_tax_location_invalid"
    taxed = client.v1.subscriptions.create(params={**params, "customer": placed.id})
    assert taxed.automatic_tax.enabled is True
