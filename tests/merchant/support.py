"""Agencies connected to the fake Stripe, and Connect events signed as Stripe signs them."""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bbp.billing import stripe_api
from bbp.billing.fake_delivery import signature
from bbp.billing.fake_resources import stamp
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant.models import ConnectedAccount, ConnectEvent, MerchantAccount
from bbp.tenancy.context import bound

ENDPOINT = "/stripe/connect/webhooks"


def fake(app):
    with app.app_context():
        return stripe_api.fake()


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
    header = header if header is not None else signature(body, secret, stamp(utcnow()))
    return app.test_client().post(
        ENDPOINT,
        data=body,
        base_url="http://admin.localhost",
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def recorded(app, event_id: str) -> bool:
    with app.app_context():
        found = db.session.get(ConnectEvent, event_id) is not None
        db.session.rollback()
        return found
