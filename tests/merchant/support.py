"""Agencies connected to a (fake) Stripe account, and Connect events signed as Stripe signs them."""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bbp.billing import fake_delivery, stripe_api
from bbp.billing.fake_resources import stamp
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant.models import ConnectedAccount, ConnectEvent, MerchantAccount
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


def connect(owner) -> str:
    """The owner clicks "Connect with Stripe"; returns the onboarding url Stripe gave."""
    owner.get("/settings/payments")
    response = owner.post("/settings/payments/connect")
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location


def onboarding_path(url: str) -> tuple[str, str]:
    """The onboarding url's path and its link token."""
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)["link"][0]


def onboard(owner, url: str, outcome: str = "submit"):
    """Finish the fake's onboarding and follow the return url; returns the settings page."""
    path, token = onboarding_path(url)
    assert owner.get(f"{path}?link={token}").status_code == 200
    back = owner.post(path, {"outcome": outcome, "link": token})
    assert back.status_code == 303 and back.location.endswith("/settings/payments/return")
    returned = owner.get("/settings/payments/return")
    assert returned.status_code == 303
    return owner.get("/settings/payments")


def merchant_row(app, agency) -> MerchantAccount | None:
    """The agency's latest merchant_accounts row, detached."""
    with app.app_context(), bound(agency.info, db.session):
        row = db.session.scalar(select(MerchantAccount).order_by(MerchantAccount.id.desc()))
        if row is not None:
            db.session.expunge(row)
        db.session.rollback()
        return row


def map_rows(app, agency) -> list[ConnectedAccount]:
    with app.app_context():
        rows = db.session.scalars(
            select(ConnectedAccount)
            .where(ConnectedAccount.tenant_id == agency.info.id)
            .order_by(ConnectedAccount.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def event_body(app, account: str, event_type: str = "account.updated", **changes) -> str:
    """A Connect event about the account as the fake holds it now, as Stripe would send it."""
    obj = fake(app).get("accounts", account)
    obj = {k: v for k, v in obj.items() if k != "deauthorized"}
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "account": account,
        "api_version": stripe.api_version,
        "created": stamp(utcnow()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    } | changes
    return json.dumps(event)


def post_event(app, body: str, secret: str = stripe_api.FAKE_CONNECT_WEBHOOK_SECRET, header=None):
    """POST a Connect event to the real endpoint on the platform host, signed with `secret`."""
    header = (
        header if header is not None else fake_delivery.signature(body, secret, stamp(utcnow()))
    )
    return app.test_client().post(
        CONNECT_ENDPOINT,
        data=body,
        base_url="http://admin.localhost",
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def recorded(app, event_id: str) -> bool:
    with app.app_context():
        found = db.session.get(ConnectEvent, event_id) is not None
        db.session.rollback()
        return found
