"""Payouts from the agency's Stripe balance to its bank, each with the balance transactions it
paid out, matched to our receipts so the agency can reconcile with its bank statement
(docs/payments-refunds.md).

A payout row is kept as Stripe has it (its events re-fetch it); its lines are read from Stripe's
balance transactions for that payout, with each transaction's source expanded so a charge,
refund or dispute names its PaymentIntent. Lines are matched to bonds and receipts when shown,
so a receipt entered after the payout was read still matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import ownership
from bbp.merchant.models import (
    MerchantAccount,
    OnlinePayment,
    Payout,
    PayoutLine,
)
from bbp.payments.models import Payment

LINE_LABELS = {
    "charge": "Payment",
    "payment": "Payment",
    "refund": "Refund",
    "payment_refund": "Refund",
    "refund_failure": "Refund failed (money back)",
    "adjustment": "Dispute",
    "application_fee_refund": "Platform fee returned",
    "stripe_fee": "Stripe fee",
}
STATUS_LABELS = {
    "pending": "Pending",
    "in_transit": "In transit",
    "paid": "Paid",
    "failed": "Failed",
    "canceled": "Canceled",
}


def standing(payout: Payout) -> str:
    """Its status with the bank day, worded by status: "Paid on Dec 2, 2026", "In transit ·
    arrives Dec 2, 2026"; a failed or canceled payout arrives nowhere."""
    label = STATUS_LABELS.get(payout.status, payout.status)
    day = payout.arrival_date
    if day is None or payout.status in ("failed", "canceled"):
        return label
    if payout.status == "paid":
        return f"Paid on {day:%b %-d, %Y}"
    return f"{label} · arrives {day:%b %-d, %Y}"


def keep(payout: stripe.Payout, account: str) -> Payout:
    """Our row for the payout of `account`, as Stripe has it now."""
    fields = {
        "stripe_account_id": account,
        "amount_cents": payout.amount,
        "currency": payout.currency,
        "status": payout.status,
        "arrival_date": _day(payout.arrival_date),
        "created": moment(payout.created),
        "failure_message": getattr(payout, "failure_message", None) or "",
    }
    statement = insert(Payout).values(stripe_payout_id=payout.id, **fields)
    db.session.execute(
        statement.on_conflict_do_update(index_elements=["stripe_payout_id"], set_=fields)
    )
    return db.session.scalar(
        select(Payout)
        .where(Payout.stripe_payout_id == payout.id)
        .execution_options(populate_existing=True)
    )


def _day(stamp: int | None):
    return datetime.fromtimestamp(stamp, UTC).date() if stamp is not None else None


def read_lines(row: Payout, account: str) -> int:
    """Read the payout's balance transactions from Stripe (every page); returns how many."""
    found = stripe_api.client().v1.balance_transactions.list(
        {"payout": row.stripe_payout_id, "limit": 100, "expand": ["data.source"]},
        options={"stripe_account": account},
    )
    # Stripe lists newest first; kept oldest first, so lines of one second keep their order.
    # The payout's own transaction is its total, not a line.
    lines = [txn for txn in found.auto_paging_iter() if txn.type != "payout"]
    for txn in reversed(lines):
        _keep_line(row, txn)
    row.lines_synced_at = utcnow()
    return len(lines)


def _keep_line(row: Payout, txn: stripe.BalanceTransaction) -> None:
    source = txn.source
    source_id = source if isinstance(source, str) or source is None else source.id
    intent = None if isinstance(source, str) else getattr(source, "payment_intent", None)
    online_id = (
        db.session.scalar(select(OnlinePayment.id).where(OnlinePayment.payment_intent_id == intent))
        if intent
        else None
    )
    fields = {
        "payout_id": row.id,
        "type": txn.type,
        "amount_cents": txn.amount,
        "fee_cents": txn.fee,
        "net_cents": txn.net,
        "description": txn.description or "",
        "online_payment_id": online_id,
        "created": moment(txn.created),
        "source_id": source_id,
        "payment_intent_id": intent if isinstance(intent, str) else None,
    }
    db.session.execute(
        insert(PayoutLine)
        .values(balance_transaction_id=txn.id, **fields)
        .on_conflict_do_update(index_elements=["balance_transaction_id"], set_=fields)
    )


def _fetch(payout_id: str, account: str) -> stripe.Payout:
    return stripe_api.client().v1.payouts.retrieve(payout_id, options={"stripe_account": account})


def on_payout(event: stripe.Event, account: str) -> None:
    """payout.*: keep the payout as Stripe has it now, and the transactions it paid out."""
    row = keep(_fetch(event.data.object.id, account), account)
    read_lines(row, account)


HANDLES = {f"payout.{what}": on_payout for what in ("created", "updated", "paid", "failed")}


@atomic
def refresh(row: Payout) -> int:
    """Staff's "Refresh from Stripe": the payout and its lines read again, from the account it
    paid out of (an account the agency has since disconnected included)."""
    try:
        payout, account = _find(row)
        return read_lines(keep(payout, account), account)
    except stripe.StripeError as exc:
        message = exc.user_message or "Stripe could not be reached"
        raise DomainError(f"Nothing was refreshed: {message}. Try again.", status=502) from None


def _find(row: Payout) -> tuple[stripe.Payout, str]:
    """The payout as Stripe has it and its account: the one kept with it, or for a payout read
    before accounts were kept, the first of the agency's accounts, newest first, that has it.
    Only accounts `public.connected_accounts` maps to this agency are asked: rows in the
    agency's schema (a restored archive's) may name another agency's."""
    mine = _accounts()
    if row.stripe_account_id in mine:
        return _fetch(row.stripe_payout_id, row.stripe_account_id), row.stripe_account_id
    for account in mine if row.stripe_account_id is None else ():
        try:
            return _fetch(row.stripe_payout_id, account), account
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":
                raise
    raise DomainError(
        "Nothing was refreshed: none of your Stripe accounts has this payout.", status=404
    )


def _accounts() -> list[str]:
    """The agency's accounts, newest first, that are its own (released ones included)."""
    own = ownership.owned()
    kept = db.session.scalars(
        select(MerchantAccount.stripe_account_id).order_by(MerchantAccount.id.desc())
    )
    return [account for account in kept if account in own]


# ---- Reading: the payouts page -------------------------------------------------------------


def listing():
    """Every payout, newest first (for pagination)."""
    return select(Payout).order_by(Payout.created.desc(), Payout.id.desc())


def lines_query(row: Payout):
    return (
        select(PayoutLine)
        .where(PayoutLine.payout_id == row.id)
        .order_by(PayoutLine.created, PayoutLine.id)
    )


@dataclass(frozen=True)
class Totals:
    amount: int
    fee: int
    net: int
    count: int


def totals(row: Payout) -> Totals:
    """Gross, fees and net of all the payout's lines (the net is what reached the bank)."""
    amount, fee, net, count = db.session.execute(
        select(
            func.coalesce(func.sum(PayoutLine.amount_cents), 0),
            func.coalesce(func.sum(PayoutLine.fee_cents), 0),
            func.coalesce(func.sum(PayoutLine.net_cents), 0),
            func.count(),
        ).where(PayoutLine.payout_id == row.id)
    ).one()
    return Totals(amount, fee, net, count)


@dataclass(frozen=True)
class Matched:
    """A payout line with the bond and ledger entry it stands for, when it is one of ours."""

    line: PayoutLine
    bond: Bond | None
    receipt: Payment | None

    @property
    def label(self) -> str:
        return LINE_LABELS.get(self.line.type, self.line.type.replace("_", " ").capitalize())


def matched(lines: list[PayoutLine]) -> list[Matched]:
    """Each line with its bond (through the PaymentIntent) and receipt: a payment's entry is
    keyed by its PaymentIntent, a refund's or lost dispute's by the refund or dispute."""
    intents = {line.payment_intent_id for line in lines if line.payment_intent_id}
    bonds = dict(
        db.session.execute(
            select(OnlinePayment.payment_intent_id, Bond)
            .join(Bond, Bond.id == OnlinePayment.bond_id)
            .where(OnlinePayment.payment_intent_id.in_(intents))
        ).all()
    )
    keys = {_entry_key(line) for line in lines} - {None}
    receipts = {
        p.external_id: p
        for p in db.session.scalars(select(Payment).where(Payment.external_id.in_(keys)))
    }
    return [
        Matched(line, bonds.get(line.payment_intent_id), receipts.get(_entry_key(line)))
        for line in lines
    ]


def _entry_key(line: PayoutLine) -> str | None:
    """The Stripe id the ledger entry for this line was entered under."""
    if line.type in ("charge", "payment"):
        return line.payment_intent_id
    if line.type == "refund_failure":
        return f"{line.source_id}-returned" if line.source_id else None
    return line.source_id


def account_id() -> str | None:
    """The Stripe account the agency takes payments through (its latest, once disconnected)."""
    return db.session.scalar(
        select(MerchantAccount.stripe_account_id).order_by(
            MerchantAccount.disconnected_at.is_(None).desc(), MerchantAccount.id.desc()
        )
    )
