"""Autopay test data: an agency that takes charges, a bond on a plan, a card saved through the
fake Stripe, and Connect events delivered, signed, to the real endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bbp.billing import stripe_api
from bbp.billing.fake_resources import stamp
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.merchant import autopay_terms, enrollment
from bbp.merchant.models import (
    AutopayEnrollment,
    ConnectedAccount,
    MerchantAccount,
    OnlinePayment,
)
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.tenancy import bound
from tests.portal.conftest import inside

ENDPOINT = "/stripe/connect/webhooks"


def connect(app, agency) -> str:
    """Map a connected account that can take charges to the agency; returns its id."""
    account = f"acct_{secrets.token_hex(8)}"
    with app.app_context():
        db.session.add(ConnectedAccount(stripe_account_id=account, tenant_id=agency.info.id))
        db.session.commit()
        with bound(agency.info, db.session):
            db.session.add(
                MerchantAccount(
                    stripe_account_id=account,
                    charges_enabled=True,
                    payouts_enabled=True,
                    details_submitted=True,
                    currently_due=[],
                    past_due=[],
                    eventually_due=[],
                )
            )
            db.session.commit()
    return account


def add_plan(app, agency, bond_id: int, down: str, instalments: list[tuple[date, str]]) -> list:
    """A plan on the bond; returns the installments' ids in date order."""
    with inside(app, agency):
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal(down))
        plan.instalments = [Instalment(due_on=d, amount=Decimal(a)) for d, a in instalments]
        db.session.add(plan)
        db.session.commit()
        return [i.id for i in sorted(plan.instalments, key=lambda i: i.due_on)]


def pay_cash(app, agency, bond_id: int, amount: str) -> None:
    """A cash payment at the office, entered by staff."""
    with inside(app, agency):
        count = db.session.scalar(select(db.func.count()).select_from(Payment))
        db.session.add(
            Payment(
                bond_id=bond_id,
                receipt_number=f"R-9{count:05d}",
                kind="premium",
                method="cash",
                amount=Decimal(amount),
                payer_name="Rosa Reyes",
                received_at=utcnow(),
            )
        )
        db.session.commit()


def enroll(app, agency, bond_id: int, payer: dict, account: str, card: str = "pm_card_visa"):
    """The payer agrees and saves `card` (what the setup Checkout does); returns the
    enrollment id. The enrollment is active once the events are delivered."""
    with inside(app, agency):
        from bbp.bonds.models import Bond

        bond = db.session.get(Bond, bond_id)
        shown = autopay_terms.text("Rosa Reyes", agency.name, bond.number, [], "en")
        row = enrollment.authorize(bond, payer, "Rosa Reyes", "+13055550177", shown)
        customer = enrollment.customer_for(row, account)
        enrollment_id = row.id
    with app.app_context():
        stripe_api.fake().complete_setup(
            customer, card, {"bbp_autopay": str(enrollment_id), "bbp_bond": str(bond_id)}
        )
    return enrollment_id


def fake(app):
    with app.app_context():
        return stripe_api.fake()


def signature(body: str, at: int) -> str:
    secret = stripe_api.FAKE_CONNECT_WEBHOOK_SECRET
    digest = hmac.new(secret.encode(), f"{at}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event_bodies(app, account: str, ids: list[str]) -> list[str]:
    """Each event as Stripe sends it to a Connect endpoint (with its account)."""
    with app.app_context():
        return [json.dumps({**fake(app).get("events", i), "account": account}) for i in ids]


def deliver(app, account: str, ids: list[str]) -> list[int]:
    """POST events, signed with the Connect endpoint's secret, to the real endpoint."""
    client = app.test_client()
    base = f"http://admin.{app.config['BBP_DOMAIN']}"
    statuses = []
    for body in event_bodies(app, account, ids):
        with app.app_context():
            header = signature(body, stamp(utcnow()))
        response = client.post(
            ENDPOINT,
            data=body,
            base_url=base,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        statuses.append(response.status_code)
    return statuses


def take(app) -> list[str]:
    return fake(app).take_pending()


def deliver_pending(app, account: str) -> list[int]:
    return deliver(app, account, take(app))


def forget_idempotency_keys(app) -> int:
    """What Stripe does a day after a request: its idempotency key is gone."""
    redis = app.extensions["redis"]
    keys = list(redis.scan_iter(platform_key("stripe-fake", "idempotency", "*")))
    return redis.delete(*keys) if keys else 0


def rows(app, agency, bond_id: int) -> list[OnlinePayment]:
    with inside(app, agency):
        found = list(
            db.session.scalars(
                select(OnlinePayment)
                .where(OnlinePayment.bond_id == bond_id)
                .order_by(OnlinePayment.id)
            )
        )
        db.session.expunge_all()
        return found


def enrollment_row(app, agency, enrollment_id: int) -> AutopayEnrollment:
    with inside(app, agency):
        row = db.session.get(AutopayEnrollment, enrollment_id)
        db.session.expunge(row)
        return row


def online_entries(app, agency, bond_id: int) -> list[Payment]:
    with inside(app, agency):
        found = list(
            db.session.scalars(
                select(Payment)
                .where(Payment.bond_id == bond_id, Payment.method == "card_online")
                .order_by(Payment.id)
            )
        )
        db.session.expunge_all()
        return found


def intents_for(app, agency, instalment_id: int) -> list[dict]:
    """Every PaymentIntent the fake holds for one of the agency's installments."""
    redis = app.extensions["redis"]
    found = []
    for key in redis.scan_iter(platform_key("stripe-fake", "object", "pi_*")):
        intent = json.loads(redis.get(key))
        tags = intent.get("metadata") or {}
        if tags.get("bbp_instalment") == str(instalment_id) and tags.get("bbp_tenant") == str(
            agency.info.id
        ):
            found.append(intent)
    return found


def confirmations(app, intent_id: str) -> list:
    """The confirm calls the fake answered for one PaymentIntent."""
    path = f"/v1/payment_intents/{intent_id}/confirm"
    return [r for r in fake(app).requests if r[0] == "POST" and r[1] == path]
