"""Disputes (chargebacks) on online payments: kept as Stripe has them, flagged on the bond and the
dashboard while open, and a lost one entered in the ledger (docs/payments-refunds.md).

A lost dispute enters a refund-kind entry for the disputed amount, once (its id is the entry's
Stripe id): the card network gave that money back to the payer for good, so the premium balance
rises again and the ledger agrees with what the agency holds. Nothing is entered while a dispute
is open (Stripe withdrew the funds, but a won dispute reinstates them), and the dispute fee is
the agency's own Stripe cost, seen on the payouts page, never the payer's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.merchant.models import Dispute, OnlinePayment
from bbp.merchant.money import from_cents
from bbp.payments.services import record_confirmed

# Open: the agency may still answer, or the bank is deciding.
OPEN = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
# An open chargeback (not an inquiry): Stripe refunds nothing of the charge until it closes.
CHARGEBACK_OPEN = ("needs_response", "under_review")
LABELS = {
    "warning_needs_response": "Inquiry: needs a response",
    "warning_under_review": "Inquiry under review",
    "warning_closed": "Inquiry closed",
    "needs_response": "Needs a response",
    "under_review": "Under review",
    "won": "Won",
    "lost": "Lost",
}
# Stripe's dispute reasons, in words; the code follows in brackets (Stripe's own search term).
REASONS = {
    "bank_cannot_process": "The cardholder's bank could not process the payment",
    "check_returned": "The check was returned",
    "credit_not_processed": "The cardholder says a promised refund or credit was not given",
    "customer_initiated": "The cardholder asked their bank to reverse the payment",
    "debit_not_authorized": "The account holder says they did not authorize this debit",
    "duplicate": "The cardholder says they were charged twice for the same thing",
    "fraudulent": "The cardholder says they did not make this payment",
    "general": "The cardholder's bank gave no specific reason",
    "incorrect_account_details": "The account details were wrong",
    "insufficient_funds": "The account did not have enough money",
    "product_not_received": "The cardholder says they did not get what they paid for",
    "product_unacceptable": "The cardholder says what they paid for was not as described",
    "subscription_canceled": "The cardholder says they were charged after canceling",
    "unrecognized": "The cardholder does not recognize this payment",
}


def reason_words(code: str | None) -> str:
    """A dispute's reason in words, with Stripe's code after it ("" when Stripe gave none)."""
    if not code:
        return ""
    words = REASONS.get(code)
    return f"{words} ({code})" if words else code.replace("_", " ")


def payment_intent_of(dispute: stripe.Dispute, account: str) -> str | None:
    """The PaymentIntent the disputed charge belongs to (read off the charge if need be)."""
    intent = getattr(dispute, "payment_intent", None)
    if intent:
        return intent if isinstance(intent, str) else intent.id
    charge = stripe_api.client().v1.charges.retrieve(
        dispute.charge if isinstance(dispute.charge, str) else dispute.charge.id,
        options={"stripe_account": account},
    )
    return charge.payment_intent if isinstance(charge.payment_intent, str | None) else None


def keep(dispute: stripe.Dispute, account: str) -> Dispute:
    """Our row for the dispute, as Stripe has it now; a lost one enters the ledger once."""
    intent = payment_intent_of(dispute, account)
    online = (
        db.session.scalar(select(OnlinePayment).where(OnlinePayment.payment_intent_id == intent))
        if intent
        else None
    )
    bond = db.session.get(Bond, online.bond_id) if online else None
    if bond is not None:
        lock(bond)  # the ledger's writers queue on the bond; so does this
    created = db.session.execute(
        insert(Dispute)
        .values(stripe_dispute_id=dispute.id, amount_cents=dispute.amount, status=dispute.status)
        .on_conflict_do_nothing(index_elements=["stripe_dispute_id"])
        .returning(Dispute.id)
    ).scalar()
    row = db.session.scalar(
        select(Dispute)
        .where(Dispute.stripe_dispute_id == dispute.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    before = None if created is not None else row.status
    details = getattr(dispute, "evidence_details", None)
    due = getattr(details, "due_by", None) if details else None
    row.online_payment_id = online.id if online else None
    row.bond_id = bond.id if bond else None
    row.amount_cents, row.status = dispute.amount, dispute.status
    row.reason = (dispute.reason or "")[:60]
    row.evidence_due_by = moment(due)
    if dispute.status == "lost" and bond is not None:
        record_confirmed(bond, "refund", from_cents(dispute.amount), dispute.id, online.payer_name)
    if before != row.status:
        record(
            "dispute.opened" if before is None else f"dispute.{row.status}",
            row,
            before={"status": before} if before else None,
            after={"status": row.status, "amount": str(from_cents(row.amount_cents))},
            actor="Stripe",
        )
    return row


def on_dispute(event: stripe.Event, account: str) -> None:
    """charge.dispute.*: keep the Dispute as Stripe has it now."""
    dispute = stripe_api.client().v1.disputes.retrieve(
        event.data.object.id, options={"stripe_account": account}
    )
    keep(dispute, account)


HANDLES = {
    f"charge.dispute.{what}": on_dispute
    for what in ("created", "updated", "closed", "funds_withdrawn", "funds_reinstated")
}


def open_on(bond: Bond) -> list[Dispute]:
    """The bond's open disputes, the soonest evidence deadline first."""
    return list(
        db.session.scalars(
            select(Dispute)
            .where(Dispute.bond_id == bond.id, Dispute.status.in_(OPEN))
            .order_by(Dispute.evidence_due_by.asc().nulls_last(), Dispute.id)
        )
    )


def open_disputes(limit: int = 10) -> list[tuple[Dispute, Bond | None]]:
    """The agency's open disputes with their bonds, the soonest deadline first."""
    return list(
        db.session.execute(
            select(Dispute, Bond)
            .outerjoin(Bond, Bond.id == Dispute.bond_id)
            .where(Dispute.status.in_(OPEN))
            .order_by(Dispute.evidence_due_by.asc().nulls_last(), Dispute.id)
            .limit(limit)
        ).all()
    )


def listing():
    """Every dispute, open ones first, newest first within (for pagination)."""
    return select(Dispute).order_by(Dispute.status.in_(OPEN).desc(), Dispute.id.desc())


def bonds_of(rows: list[Dispute]) -> dict[int, Bond]:
    """The bonds of a page of disputes, by id."""
    ids = {row.bond_id for row in rows if row.bond_id}
    return {bond.id: bond for bond in db.session.scalars(select(Bond).where(Bond.id.in_(ids)))}


def dashboard_url(dispute: Dispute) -> str:
    """Where the agency answers it: its own Stripe Dashboard (test mode's, without a live key)."""
    mode = "" if stripe_api.livemode() else "test/"
    return f"https://dashboard.stripe.com/{mode}disputes/{dispute.stripe_dispute_id}"
