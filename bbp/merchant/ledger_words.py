"""What the staff ledger and receipts say of online entries: "Online card payment, Visa ending in
4242, in the portal" rather than a Stripe id (which stays beside it, small, for reconciliation)."""

from __future__ import annotations

from sqlalchemy import select

from bbp.extensions import db
from bbp.merchant.models import Dispute, OnlinePayment, Refund
from bbp.payments import receipts
from bbp.payments.models import ONLINE, Payment

SOURCES = {"portal": "in the portal", "pay_link": "by pay link", "autopay": "by autopay"}
RETURNED = "-returned"  # a refund that failed after it was entered, taken in again (refunds.py)


def words(payments: list[Payment]) -> dict[int, str]:
    """Plain words for each online entry among a bond's payments, by payment id: one query
    however many rows, three when money went back (refunds and disputes)."""
    online = [p for p in payments if p.method == ONLINE]
    if not online:
        return {}
    backs = [p for p in online if p.kind == "refund" or (p.external_id or "").endswith(RETURNED)]
    stripe_ids = {(p.external_id or "").removesuffix(RETURNED) for p in backs}
    paid = {
        row.payment_id: row
        for row in db.session.scalars(
            select(OnlinePayment).where(OnlinePayment.payment_id.in_([p.id for p in online]))
        )
    }
    refunded = dict(_by_stripe_id(Refund, Refund.stripe_refund_id, stripe_ids))
    disputed = dict(_by_stripe_id(Dispute, Dispute.stripe_dispute_id, stripe_ids))
    return {p.id: _words(p, paid, refunded, disputed) for p in online}


def _by_stripe_id(model, column, stripe_ids: set[str]):
    """(Stripe id, the online payment it is about) for refunds or disputes among the ids."""
    if not stripe_ids:
        return []
    return db.session.execute(
        select(column, OnlinePayment)
        .join(OnlinePayment, OnlinePayment.id == model.online_payment_id)
        .where(column.in_(stripe_ids))
    ).all()


def _words(payment: Payment, paid: dict, refunded: dict, disputed: dict) -> str:
    stripe_id = payment.external_id or ""
    if payment.id in paid:
        row = paid[payment.id]
        source = SOURCES.get(row.source)
        return "Online card payment" + _card(row) + (f", {source}" if source else "")
    if stripe_id in refunded:
        return "Refund to the card" + _card(refunded[stripe_id])
    if stripe_id.removesuffix(RETURNED) in refunded:
        row = refunded[stripe_id.removesuffix(RETURNED)]
        return "Refund to the card that did not go through, taken in again" + _card(row)
    if stripe_id in disputed:
        return "Card dispute lost" + _card(disputed[stripe_id])
    return "Online card payment"


def _card(row: OnlinePayment) -> str:
    if not row.card_last4:
        return ""
    brand = (row.card_brand or "card").replace("_", " ").title()
    return f", {brand} ending in {row.card_last4}"


receipts.ONLINE_WORDS.append(words)
