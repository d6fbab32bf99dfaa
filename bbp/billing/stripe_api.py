"""The app's one `stripe.StripeClient`: the platform's key in production, the fake without one.

With no `STRIPE_SECRET_KEY` (development, tests) the client is still the real SDK's, but its
HTTP layer is `FakeStripe`, so every call goes through the SDK's encoding, headers, retries and
error mapping and never leaves the machine (docs/billing.md, "The fake").
"""

from __future__ import annotations

from datetime import UTC, datetime

import stripe
from flask import Flask, current_app

from bbp.billing.fake_stripe import FakeStripe

FAKE_KEY = "sk_test_bbp_fake_stripe"  # never leaves the process: the fake answers every call
# The fake signs its events with this; a real key needs the endpoint's own (prodcheck).
FAKE_WEBHOOK_SECRET = "whsec_bbp_fake_stripe_development"  # noqa: S105  (public: dev only)
NETWORK_RETRIES = 2  # the SDK retries connection errors and 409s with the same idempotency key


def init_app(app: Flask) -> None:
    """Build the client once per app (after the Redis client, which the fake keeps objects in)."""
    key = app.config["STRIPE_SECRET_KEY"]
    if key:
        client = stripe.StripeClient(key, max_network_retries=NETWORK_RETRIES)
    else:
        fake = FakeStripe(app.extensions["redis"])
        fake.deliver_by_worker = app.config["STRIPE_FAKE_DELIVERY"] == "worker"
        app.extensions["stripe_fake"] = fake
        client = stripe.StripeClient(
            FAKE_KEY, http_client=fake, max_network_retries=NETWORK_RETRIES
        )
    app.extensions["stripe"] = client


def client() -> stripe.StripeClient:
    """The current app's Stripe client."""
    return current_app.extensions["stripe"]


def fake() -> FakeStripe | None:
    """The fake behind the client, or None when a real key is set."""
    return current_app.extensions.get("stripe_fake")


def webhook_secret() -> str:
    """The secret webhook signatures are checked against ("" refuses every event)."""
    if current_app.config["STRIPE_SECRET_KEY"]:
        return current_app.config.get("STRIPE_WEBHOOK_SECRET", "")
    return FAKE_WEBHOOK_SECRET


def livemode() -> bool:
    """Whether the key is a live one: events must come from the same mode."""
    return "_live_" in current_app.config["STRIPE_SECRET_KEY"]


def automatic_tax() -> dict:
    """The `automatic_tax` parameter of subscriptions and invoice previews."""
    return {"enabled": current_app.config["STRIPE_AUTOMATIC_TAX"]}


def licensed_item(sub):
    """The subscription's monthly plan item (the other, if any, meters texts)."""
    return next(i for i in sub["items"].data if i.price.recurring.usage_type != "metered")


def metered_item(sub):
    """The subscription's metered texts item, or None when texts are not metered for it."""
    return next((i for i in sub["items"].data if i.price.recurring.usage_type == "metered"), None)


def moment(stamp: int | None) -> datetime | None:
    """A Stripe timestamp (seconds since the epoch) as an aware datetime."""
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None
