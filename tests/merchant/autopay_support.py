"""Autopay test data: an agency that takes charges, a bond on a plan, a card saved through the
fake Stripe, and Connect events delivered, signed, to the real endpoint."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bbp.billing import fake_delivery
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key
from bbp.merchant import autopay_terms, enrollment
from bbp.merchant.models import AutopayEnrollment
from bbp.payments.models import Instalment, Payment, PaymentPlan
from tests.merchant.checkout_support import online as rows  # noqa: F401  (the bond's rows)
from tests.merchant.support import connected, fake
from tests.portal.conftest import inside

SUCCESS = "http://alpha.localhost/portal/"


def connect(app, agency) -> str:
    """Map a connected account that can take charges to the agency; returns its id."""
    return connected(app, agency)


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
    """The payer agrees, then saves a card in the setup Checkout (the fake's hosted page) and
    the events are delivered; charging the card then does what Stripe's test `card` does.
    Returns the enrollment id."""
    with inside(app, agency):
        bond = db.session.get(Bond, bond_id)
        shown = autopay_terms.text("Rosa Reyes", agency.name, bond.number, [], "en")
        row = enrollment.authorize(bond, payer, "Rosa Reyes", "+13055550177", shown)
        url = enrollment.setup_checkout(row, account, SUCCESS, SUCCESS)
        enrollment_id = row.id
    stub = fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.complete(url.rsplit("/", 1)[1])
    assert set(deliver_pending(app)) == {200}
    if card != "pm_card_visa":
        set_card(app, agency, enrollment_id, account, card)
    return enrollment_id


def set_card(app, agency, enrollment_id: int, account: str, card: str) -> None:
    """The saved card now does what Stripe's test `card` does (a bank changed its answer)."""
    method = enrollment_row(app, agency, enrollment_id).stripe_payment_method_id
    stub = fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.set_card_outcome(method, card)


def take(app) -> list[str]:
    return fake(app).take_pending()


def deliver(app, ids: list[str]) -> list[int]:
    return fake_delivery.deliver(ids, app)


def deliver_pending(app) -> list[int]:
    return fake_delivery.deliver_pending(app)


def forget_idempotency_keys(app) -> int:
    """What Stripe does a day after a request: its idempotency key is gone."""
    redis = app.extensions["redis"]
    keys = list(redis.scan_iter(platform_key("stripe-fake", "idempotency", "*")))
    return redis.delete(*keys) if keys else 0


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


def intents_for(app, account: str, instalment_id: int) -> list[dict]:
    """Every PaymentIntent the fake holds on an account for one installment."""
    redis = app.extensions["redis"]
    found = []
    pattern = platform_key("stripe-fake", "account", account, "object", "pi_*")
    for key in redis.scan_iter(pattern):
        intent = json.loads(redis.get(key))
        tags = intent.get("metadata") or {}
        if tags.get("instalment_id") == str(instalment_id):
            found.append(intent)
    return found


def confirmations(app, intent_id: str) -> list:
    """The confirm calls the fake answered for one PaymentIntent."""
    path = f"/v1/payment_intents/{intent_id}/confirm"
    return [r for r in fake(app).requests if r[0] == "POST" and r[1] == path]
