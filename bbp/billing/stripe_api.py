"""The app's one `stripe.StripeClient`: the platform's key in production, the fake without one.

With no `STRIPE_SECRET_KEY` (development, tests) the client is still the real SDK's, but its
HTTP layer is `FakeStripe`, so every call goes through the SDK's encoding, headers, retries and
error mapping and never leaves the machine (docs/billing.md, "The fake").
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app
from werkzeug.utils import import_string

from bbp.billing.sdk import stripe

if TYPE_CHECKING:
    from bbp.billing.fake_stripe import FakeStripe

FAKE_KEY = "sk_test_bbp_fake_stripe"  # never leaves the process: the fake answers every call
# The fake signs its events with this; a real key needs the endpoint's own (prodcheck).
FAKE_WEBHOOK_SECRET = "whsec_bbp_fake_stripe_development"  # noqa: S105  (public: dev only)
FAKE_CONNECT_WEBHOOK_SECRET = "whsec_bbp_fake_stripe_connect_development"  # noqa: S105
NETWORK_RETRIES = 2  # the SDK retries connection errors and 409s with the same idempotency key
# Loaded by its path when the fake is first needed: it subclasses the SDK's HTTPClient.
FAKE_STRIPE = "bbp.billing.fake_stripe:FakeStripe"
_building = threading.Lock()


def _build(app: Flask) -> None:
    """Build the app's one client, on first use (after the Redis the fake keeps objects in)."""
    with _building:
        if "stripe" in app.extensions:
            return
        key = app.config["STRIPE_SECRET_KEY"]
        if key:
            built = stripe.StripeClient(key, max_network_retries=NETWORK_RETRIES)
        else:
            fake = import_string(FAKE_STRIPE)(app.extensions["redis"])
            fake.deliver_by_worker = app.config["STRIPE_FAKE_DELIVERY"] == "worker"
            app.extensions["stripe_fake"] = fake
            built = stripe.StripeClient(
                FAKE_KEY, http_client=fake, max_network_retries=NETWORK_RETRIES
            )
        app.extensions["stripe"] = built


def client(app: Flask | None = None) -> stripe.StripeClient:
    """The app's Stripe client, built the first time it is asked for."""
    app = app or current_app._get_current_object()
    if "stripe" not in app.extensions:
        _build(app)
    return app.extensions["stripe"]


def fake(app: Flask | None = None) -> FakeStripe | None:
    """The fake behind the client, or None when a real key is set."""
    app = app or current_app._get_current_object()
    client(app)
    return app.extensions.get("stripe_fake")


def webhook_secret() -> str:
    """The secret webhook signatures are checked against ("" refuses every event)."""
    if current_app.config["STRIPE_SECRET_KEY"]:
        return current_app.config.get("STRIPE_WEBHOOK_SECRET", "")
    return FAKE_WEBHOOK_SECRET


def connect_webhook_secret() -> str:
    """The Connect endpoint's own secret: events from agencies' connected accounts."""
    if current_app.config["STRIPE_SECRET_KEY"]:
        return current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET", "")
    return FAKE_CONNECT_WEBHOOK_SECRET


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
