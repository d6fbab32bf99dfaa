"""Agencies connected to a (fake) Stripe account, and Connect events signed as Stripe signs them."""

from __future__ import annotations

import secrets

from bbp.billing import fake_delivery, stripe_api
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant.models import ConnectedAccount, MerchantAccount
from bbp.tenancy.context import bound
from tests.support import Visitor

CONNECT_ENDPOINT = "/stripe/connect/webhooks"


def connected(app, agency, charges: bool = True) -> str:
    """Map a new connected account id to the agency (as connecting does) and return it; with
    `charges` the account can take payments (onboarding finished)."""
    account = f"acct_{secrets.token_hex(8)}"
    with app.app_context():
        db.session.add(ConnectedAccount(stripe_account_id=account, tenant_id=agency.info.id))
        db.session.commit()
        with bound(agency.info):
            db.session.add(
                MerchantAccount(
                    stripe_account_id=account,
                    charges_enabled=charges,
                    payouts_enabled=charges,
                    details_submitted=charges,
                    currently_due=[],
                    past_due=[],
                    eventually_due=[],
                    synced_at=utcnow(),
                )
            )
            db.session.commit()
    return account


def fake(app):
    with app.app_context():
        return stripe_api.fake()


def emit(app, account: str | None, event_type: str, obj: dict) -> str:
    """Have the fake emit an event about `obj` on `account`; returns the event's id."""
    stub = fake(app)
    with stub.acting_as(account):
        stub._emit(event_type, obj)
    return stub.take_pending()[-1]


def post_connect(app, body: str, *, secret: str | None = None, at: int | None = None, host="admin"):
    """POST a body to the Connect endpoint as Stripe would, signed with `secret`."""
    at = int(utcnow().timestamp()) if at is None else at
    header = fake_delivery.signature(body, secret or stripe_api.FAKE_CONNECT_WEBHOOK_SECRET, at)
    return post_raw(app, body, header, host=host)


def post_raw(app, body: str, header: str, host="admin"):
    """POST a body with the Stripe-Signature header given."""
    visitor = Visitor(app.test_client(), f"{host}.localhost")
    return visitor.post(
        CONNECT_ENDPOINT,
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
        csrf=False,
    )
