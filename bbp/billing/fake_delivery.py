"""Delivering the fake Stripe's events to the app's own webhook endpoints, signed as Stripe signs.

Each event is POSTed to `/stripe/webhooks` on the platform host (an event from a connected
account to `/stripe/connect/webhooks`, signed with the Connect endpoint's secret, as Stripe
sends them to a Connect endpoint of its own) through the app's WSGI stack
(site routing, CSRF exemption, the signature check: the real endpoint), from a thread of its
own so a console request that delivers keeps its own session and context.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading

from flask import Flask, current_app

from bbp.billing import stripe_api
from bbp.billing.fake_resources import stamp
from bbp.kernel.clock import utcnow
from bbp.tenancy.jobs import job_app

ENDPOINT = "/stripe/webhooks"
CONNECT_ENDPOINT = "/stripe/connect/webhooks"
log = logging.getLogger(__name__)


def signature(payload: str, secret: str, at: int) -> str:
    """A `Stripe-Signature` header: `t=<seconds>,v1=<HMAC-SHA256 of "t.payload">`."""
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def payload(event_id: str) -> str:
    """The event's JSON as Stripe would send it."""
    return json.dumps(stripe_api.fake().get("events", event_id))


def deliver(event_ids: list[str], app: Flask | None = None) -> list[int]:
    """POST each event in turn to the endpoint; returns the status of each answer."""
    app = app or current_app._get_current_object()
    with app.app_context():
        bodies = [payload(event_id) for event_id in event_ids]
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            _post_each(app, bodies, statuses)
        except BaseException as exc:  # handed to the caller's thread below
            errors.append(exc)

    worker = threading.Thread(target=post, name="fake-stripe-delivery")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return statuses


def endpoint_of(body: str) -> tuple[str, str]:
    """Where Stripe sends this event and the secret it signs it with."""
    if json.loads(body).get("account"):
        return CONNECT_ENDPOINT, stripe_api.FAKE_CONNECT_WEBHOOK_SECRET
    return ENDPOINT, stripe_api.FAKE_WEBHOOK_SECRET


def _post_each(app: Flask, bodies: list[str], statuses: list[int]) -> None:
    client = app.test_client()
    base = f"{app.config['PREFERRED_URL_SCHEME']}://admin.{app.config['BBP_DOMAIN']}"
    for body in bodies:
        endpoint, secret = endpoint_of(body)
        header = signature(body, secret, stamp(utcnow()))
        response = client.post(
            endpoint,
            data=body,
            base_url=base,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        statuses.append(response.status_code)
        if response.status_code != 200:  # Stripe would retry; the fake logs it
            log.warning("fake stripe event refused (%s): %s", response.status_code, body[:200])


def deliver_pending(app: Flask | None = None) -> list[int]:
    """Deliver every event waiting, oldest first."""
    app = app or current_app._get_current_object()
    fake = stripe_api.fake(app)
    return deliver(fake.take_pending(), app) if fake is not None else []


def deliver_job() -> None:
    """Worker job (make run): deliver what the fake has queued."""
    deliver_pending(job_app())
