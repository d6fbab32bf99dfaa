"""Payments taken online (a succeeded PaymentIntent and Charge in the fake, entered in the
ledger as Checkout's webhook enters them) and staff of each role, for refunds, disputes and
payouts tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.merchant.models import OnlinePayment, Refund
from bbp.merchant.money import from_cents
from bbp.payments.models import Payment
from bbp.payments.services import record_confirmed
from bbp.tenancy.context import bound
from tests.merchant.support import fake
from tests.support import add_user

PAYER = "Pat Payer"


@dataclass(frozen=True)
class Paid:
    """A payment taken online: its ledger entry, its attempt row and its Stripe objects."""

    payment_id: int
    online_id: int
    intent: str
    charge: str
    account: str


def paid_online(app, agency, account: str, bond_id: int, cents: int, fee: int = 0) -> Paid:
    """A card payment of `cents` on the agency's account, entered in the ledger."""
    stub = fake(app)
    with stub.acting_as(account):
        intent, charge = stub.paid_charge(cents, fee, {"bond": str(bond_id)})
    stub.take_pending()  # its charge.succeeded: setup, handled by nobody here
    with app.app_context(), bound(agency.info, db.session):
        online = OnlinePayment(
            bond_id=bond_id,
            source="portal",
            status="succeeded",
            amount_cents=cents,
            application_fee_cents=fee,
            stripe_account_id=account,
            payment_intent_id=intent["id"],
            payer_name=PAYER,
        )
        db.session.add(online)
        db.session.flush()
        bond = db.session.get(Bond, bond_id)
        entry = record_confirmed(bond, "premium", from_cents(cents), intent["id"], PAYER)
        online.payment_id = entry.id
        db.session.commit()
        return Paid(entry.id, online.id, intent["id"], charge["id"], account)


def signed_in(app, visit, agency, role: str):
    """A staff member of `role`, signed in on the agency's host."""
    user = add_user(app, agency.info, role)
    visitor = visit(agency)
    assert visitor.login(user.email).status_code == 302
    return visitor


def ledger(app, agency, bond_id: int) -> list[tuple[str, str, str, str | None]]:
    """The bond's entries: (receipt, kind, amount, Stripe id), oldest first."""
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.execute(
            select(Payment.receipt_number, Payment.kind, Payment.amount, Payment.external_id)
            .where(Payment.bond_id == bond_id)
            .order_by(Payment.id)
        ).all()
        return [(r, k, str(a), e) for r, k, a, e in rows]


def refund_rows(app, agency) -> list[tuple[int, str, str | None, bool, str]]:
    """Every refunds row: (cents, status, Stripe id, entered?, reason), oldest first."""
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Refund).order_by(Refund.id)).all()
        return [
            (r.amount_cents, r.status, r.stripe_refund_id, r.payment_id is not None, r.reason)
            for r in rows
        ]
