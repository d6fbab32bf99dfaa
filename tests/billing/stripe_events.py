"""Agencies subscribed through the fake Stripe, and its events delivered to the real endpoint."""

from __future__ import annotations

import json
import threading

from bbp.billing import accounts, fake_delivery, stripe_api
from bbp.billing.models import BillingAccount
from bbp.billing.stripe_api import FAKE_WEBHOOK_SECRET
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from tests.billing.support import make_plan
from tests.support import Visitor

ENDPOINT = "/stripe/webhooks"


def subscribe(app, agency, trial_days: int = 14) -> BillingAccount:
    """Put the agency on a new plan and open its customer and subscription (the job's work)."""
    plan_id = make_plan(app, trial_days=trial_days)
    with app.app_context():
        accounts.choose_plan(agency.info.id, plan_id, "test")
        accounts.subscribe(agency.info.id)
        return account(app, agency)


def account(app, agency) -> BillingAccount:
    """The agency's billing row, detached."""
    with app.app_context():
        row = db.session.get(BillingAccount, agency.info.id)
        db.session.expunge(row)
        db.session.rollback()
        return row


def fake(app):
    with app.app_context():
        return stripe_api.fake()


def take(app) -> list[str]:
    """Take the events waiting for delivery off the fake's queue, oldest first."""
    return fake(app).take_pending()


def event_types(app, ids: list[str]) -> list[str]:
    return [fake(app).get("events", i)["type"] for i in ids]


def deliver(app, ids: list[str]) -> list[int]:
    """POST these events, signed with the development secret, to the real endpoint."""
    return fake_delivery.deliver(ids, app)


def deliver_pending(app, reverse: bool = False, times: int = 1) -> list[int]:
    """Deliver every waiting event (newest first if `reverse`), `times` times over."""
    ids = take(app)
    ids = ids[::-1] if reverse else ids
    return [status for _ in range(times) for status in deliver(app, ids)]


def deliver_concurrently(app, event_id: str, copies: int = 2) -> list[int]:
    """The same event delivered by several threads at once."""
    statuses: list[int] = []
    start = threading.Barrier(copies)

    def one() -> None:
        start.wait()
        statuses.extend(deliver(app, [event_id]))

    threads = [threading.Thread(target=one) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def post_signed(
    app, body: str, *, secret: str = FAKE_WEBHOOK_SECRET, at: int | None = None, host="admin"
):
    """POST a body as Stripe would, with a signature made from `secret` at time `at`."""
    at = int(utcnow().timestamp()) if at is None else at
    header = fake_delivery.signature(body, secret, at)
    return post(app, body, header, host=host)


def post(app, body: str, header: str | None, host: str = "admin"):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    visitor = Visitor(app.test_client(), f"{host}.localhost")
    return visitor.post(ENDPOINT, data=body, headers=headers, csrf=False)


def body_of(app, event_id: str, **changes) -> str:
    """An event's JSON, with top-level fields changed."""
    return json.dumps(fake(app).get("events", event_id) | changes)
