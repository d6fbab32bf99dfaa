"""What the online entries of the ledger stand for (a card payment and where it was made, a refund
to the card, a lost dispute), with the card, for the words staff, receipts and the portal show
(bbp.payments.entries) rather than a Stripe id."""

from __future__ import annotations

from sqlalchemy import select

from bbp.extensions import db
from bbp.merchant.models import Dispute, OnlinePayment, Refund
from bbp.payments import entries
from bbp.payments.entries import DISPUTED, PAID, REFUNDED, RETURNED, Online
from bbp.payments.models import ONLINE, Payment

RETURNED_SUFFIX = "-returned"  # a refund that failed after it was entered, taken in again


def facts(payments: list[Payment]) -> dict[int, Online]:
    """What each online entry among a bond's payments stands for, by payment id: one query
    however many rows, three when money went back (refunds and disputes)."""
    online = [p for p in payments if p.method == ONLINE]
    if not online:
        return {}
    backs = [
        p for p in online if p.kind == "refund" or (p.external_id or "").endswith(RETURNED_SUFFIX)
    ]
    stripe_ids = {(p.external_id or "").removesuffix(RETURNED_SUFFIX) for p in backs}
    paid = {
        row.payment_id: row
        for row in db.session.scalars(
            select(OnlinePayment).where(OnlinePayment.payment_id.in_([p.id for p in online]))
        )
    }
    refunded = dict(_by_stripe_id(Refund, Refund.stripe_refund_id, stripe_ids))
    disputed = dict(_by_stripe_id(Dispute, Dispute.stripe_dispute_id, stripe_ids))
    return {p.id: _fact(p, paid, refunded, disputed) for p in online}


def _by_stripe_id(model, column, stripe_ids: set[str]):
    """(Stripe id, the online payment it is about) for refunds or disputes among the ids."""
    if not stripe_ids:
        return []
    return db.session.execute(
        select(column, OnlinePayment)
        .join(OnlinePayment, OnlinePayment.id == model.online_payment_id)
        .where(column.in_(stripe_ids))
    ).all()


def _fact(payment: Payment, paid: dict, refunded: dict, disputed: dict) -> Online:
    stripe_id = payment.external_id or ""
    if payment.id in paid:
        row = paid[payment.id]
        return _with_card(PAID, row, row.source)
    if stripe_id in refunded:
        return _with_card(REFUNDED, refunded[stripe_id])
    if stripe_id.removesuffix(RETURNED_SUFFIX) in refunded:
        return _with_card(RETURNED, refunded[stripe_id.removesuffix(RETURNED_SUFFIX)])
    if stripe_id in disputed:
        return _with_card(DISPUTED, disputed[stripe_id])
    return Online(REFUNDED if payment.kind == "refund" else PAID)


def _with_card(what: str, row: OnlinePayment, source: str = "") -> Online:
    if not row.card_last4:
        return Online(what, source=source)
    brand = (row.card_brand or "card").replace("_", " ").title()
    return Online(what, brand, row.card_last4, source)


entries.ONLINE_FACTS.append(facts)
