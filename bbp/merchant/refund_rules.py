"""What is left to refund of an online payment, and why a refund is refused: by us before Stripe
is asked, or by Stripe, in plain words (docs/payments-refunds.md).

Money can leave a payment three ways: our refunds (those in progress hold their amount), refunds
made in the Stripe Dashboard (they arrive as rows too), and a lost dispute, whose amount the card
network gave back to the payer for good. While a chargeback is open Stripe refuses every refund
of the charge, so we refuse first and say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.merchant.disputes import CHARGEBACK_OPEN
from bbp.merchant.models import Dispute, OnlinePayment, Refund
from bbp.merchant.money import NotWholeCents, dollars, to_cents

REFUSED = "refused"  # Stripe refused the create call: no Refund exists at Stripe
# What no longer holds money back: Stripe refused it, or it failed or was canceled.
RELEASED = (REFUSED, "failed", "canceled")

# Stripe's refusal codes for a refund, in plain words; anything else gets GENERIC.
STRIPE_REFUSALS = {
    "charge_disputed": "The cardholder's bank has disputed this payment, and Stripe does not "
    "refund a disputed payment. Nothing was refunded.",
    "amount_too_large": "Stripe has less of this payment left to refund than this page shows "
    "(a refund made in the Stripe Dashboard may not have reached BailBondPro yet). Nothing was "
    "refunded: reload the page in a minute and try again.",
    "charge_already_refunded": "Stripe has this payment refunded in full already (perhaps in "
    "the Stripe Dashboard). Nothing more was refunded.",
    "charge_not_refundable": "Stripe cannot refund this payment. Nothing was refunded.",
}
GENERIC = (
    "Stripe did not accept this refund, and nothing was refunded. The payment in the agency's "
    "Stripe Dashboard says why."
)


def refused_words(code: str | None) -> str:
    """Stripe's refusal of a refund, in words staff can act on (never Stripe's raw text)."""
    return STRIPE_REFUSALS.get(code or "", GENERIC)


def _held(online_id):
    """Cents our refunds hold: every refund of the payment not released."""
    return (
        select(func.coalesce(func.sum(Refund.amount_cents), 0))
        .where(Refund.online_payment_id == online_id, Refund.status.not_in(RELEASED))
        .scalar_subquery()
    )


def _lost(online_id):
    """Cents the payer got back through lost disputes."""
    return (
        select(func.coalesce(func.sum(Dispute.amount_cents), 0))
        .where(Dispute.online_payment_id == online_id, Dispute.status == "lost")
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Standing:
    """What is left to refund of a payment, what a lost dispute took, and an open chargeback."""

    left_cents: int
    lost_cents: int
    chargeback: Dispute | None


def standing(online: OnlinePayment) -> Standing:
    """The payment's standing as the rows say now (two queries)."""
    held, lost = db.session.execute(select(_held(online.id), _lost(online.id))).one()
    chargeback = db.session.scalar(
        select(Dispute)
        .where(Dispute.online_payment_id == online.id, Dispute.status.in_(CHARGEBACK_OPEN))
        .order_by(Dispute.id)
        .limit(1)
    )
    return Standing(max((online.amount_cents or 0) - held - lost, 0), lost, chargeback)


def left_by_payment(payment_ids: list[int]) -> dict[int, int]:
    """Cents left to refund of each online payment among the ledger entries, in one query."""
    if not payment_ids:
        return {}
    left = OnlinePayment.amount_cents - _held(OnlinePayment.id) - _lost(OnlinePayment.id)
    rows = db.session.execute(
        select(OnlinePayment.payment_id, left).where(OnlinePayment.payment_id.in_(payment_ids))
    )
    return {payment_id: max(cents or 0, 0) for payment_id, cents in rows}


def check(amount: Decimal | None, now: Standing) -> int:
    """The amount in cents if it can be refunded; else a DomainError beside the amount."""
    if amount is None:
        raise DomainError("Enter the amount to refund.", "amount")
    try:
        cents = to_cents(amount)
    except NotWholeCents:
        raise DomainError("Amounts cannot include fractions of a cent.", "amount") from None
    if cents <= 0:
        raise DomainError("The refund must be more than $0.00.", "amount")
    if now.chargeback is not None:
        raise DomainError(disputed_words(now.chargeback), "amount", status=409)
    if cents > now.left_cents:
        raise DomainError(_too_much(now), "amount")
    return cents


def _too_much(now: Standing) -> str:
    if now.left_cents:
        return f"Only {dollars(now.left_cents)} of this payment is left to refund."
    if now.lost_cents:
        return (
            "Nothing is left to refund: the cardholder's bank took "
            f"{dollars(now.lost_cents)} of this payment back in a dispute the agency lost."
        )
    return "This payment is refunded in full already."


def disputed_words(chargeback: Dispute) -> str:
    """Why a payment under an open chargeback cannot be refunded, and what to do instead."""
    return (
        f"The cardholder's bank has disputed {dollars(chargeback.amount_cents)} of this payment "
        "and the dispute is still open. Stripe does not refund a disputed payment: answer the "
        "dispute instead (if the agency loses it, the cardholder gets the money back anyway)."
    )
