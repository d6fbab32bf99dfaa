"""Refunds of online payments: asked for from the bond page, entered in the ledger when Stripe
confirms them (docs/payments-refunds.md).

A refund is a `refunds` row first (reserving its amount under the bond's and the payment's
locks, so two staff refunding at once cannot refund more than was paid), then Stripe's Refund,
created with an idempotency key made of the row's id. Its ledger entry is made by the Connect
webhooks alone, from the Refund as Stripe has it now, once whatever the order or repetition of
the events. A refund made in the agency's own Stripe Dashboard arrives the same way and gets a
row of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import ownership, refund_rules
from bbp.merchant.models import OnlinePayment, Refund
from bbp.merchant.money import from_cents
from bbp.merchant.refund_rules import REFUSED, RELEASED
from bbp.payments.models import Payment
from bbp.payments.services import record_confirmed
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)

REQUESTED = "requested"  # the row exists; Stripe has not answered the create call yet
IN_PROGRESS = (REQUESTED, "pending", "requires_action")
DASHBOARD_REASON = "Refunded in the agency's Stripe Dashboard"


@dataclass(frozen=True)
class Refundable:
    """A ledger entry paid online, with its refunds and what is left to refund."""

    payment: Payment
    online: OnlinePayment
    refunds: list[Refund]
    standing: refund_rules.Standing

    @property
    def left_cents(self) -> int:
        return self.standing.left_cents


def refundable(payment: Payment) -> Refundable | None:
    """The online payment behind a ledger entry, or None when it was not paid online."""
    online = db.session.scalar(select(OnlinePayment).where(OnlinePayment.payment_id == payment.id))
    if online is None or payment.kind == "refund":
        return None
    rows = list(
        db.session.scalars(
            select(Refund).where(Refund.online_payment_id == online.id).order_by(Refund.id)
        )
    )
    return Refundable(payment, online, rows, refund_rules.standing(online))


def _locked(online: OnlinePayment) -> OnlinePayment:
    """The bond's lock, then the payment's (the order every ledger writer takes them in)."""
    lock(db.session.get(Bond, online.bond_id))
    db.session.execute(
        select(OnlinePayment.id).where(OnlinePayment.id == online.id).with_for_update()
    )
    db.session.refresh(online)
    return online


def ask(online: OnlinePayment, amount: Decimal | None, reason: str, by) -> Refund:
    """Reserve the refund, then ask Stripe for it; DomainError (beside a field) if refused."""
    row = _reserve(online, amount, reason, by)
    send(row)
    return row


@atomic
def _reserve(online: OnlinePayment, amount: Decimal | None, reason: str, by) -> Refund:
    """A refunds row for `amount`, if that much is left to refund once the payment is locked
    and no chargeback is open on it."""
    if not reason.strip():
        raise DomainError("Say why the money goes back.", "reason")
    online = _locked(online)
    if not ownership.owns(online.stripe_account_id):
        raise DomainError(
            "This payment was taken on a Stripe account this agency does not own (a copy "
            "restored from an archive): refund it from that account's Stripe Dashboard.",
            "amount",
            status=409,
        )
    if online.status != "succeeded" or online.amount_cents is None:
        raise DomainError("Stripe has not confirmed this payment: nothing to refund yet.", "amount")
    cents = refund_rules.check(amount, refund_rules.standing(online))
    return _added(
        "refund.requested",
        online_payment_id=online.id,
        amount_cents=cents,
        status=REQUESTED,
        reason=reason.strip(),
        requested_by_id=by.id,
    )


def _added(action: str, actor: str | None = None, **fields) -> Refund:
    """A new refunds row, audited with its amount, reason and Stripe id."""
    row = Refund(**fields)
    db.session.add(row)
    db.session.flush()
    after = {"amount": str(from_cents(row.amount_cents)), "reason": row.reason}
    record(action, row, after={**after, "stripe": row.stripe_refund_id}, actor=actor)
    return row


def idempotency_key(row: Refund) -> str:
    """Stable for this row across retries: a repeat gets Stripe's first answer back."""
    return f"refund-{require_tenant().id}-{row.id}"


def send(row: Refund) -> None:
    """Ask Stripe for the reserved refund (again, when its first answer was lost: same key)."""
    online = db.session.get(OnlinePayment, row.online_payment_id)
    bond = db.session.get(Bond, online.bond_id)
    try:
        # Stripe forgets an idempotency key after a day: a refund it made for this row before
        # (its answer lost) is found by the row id we put in its metadata, never made twice.
        refund = _made_before(row, online) or stripe_api.client().v1.refunds.create(
            {
                "payment_intent": online.payment_intent_id,
                "amount": row.amount_cents,
                # The platform's fee goes back in proportion (docs/payments-refunds.md).
                "refund_application_fee": True,
                "metadata": {
                    "bbp_refund": str(row.id),
                    "bbp_tenant": str(require_tenant().id),
                    "bond": bond.number,
                },
            },
            options={
                "stripe_account": online.stripe_account_id,
                "idempotency_key": idempotency_key(row),
            },
        )
    except stripe.APIConnectionError:
        raise DomainError(
            "Stripe could not be reached. The refund is saved as requested: send it again "
            "from the bond page.",
            "amount",
            status=503,
        ) from None
    except stripe.StripeError as exc:
        if isinstance(exc, stripe.APIError | stripe.RateLimitError | stripe.IdempotencyError):
            raise DomainError(
                "Stripe did not answer the refund. It is saved as requested: send it again "
                "from the bond page.",
                "amount",
                status=503,
            ) from None
        # A refusal (the charge was disputed, less is left at Stripe than here, ...): no
        # Refund exists, so the row says refused and frees its amount; staff read plain words.
        log.info("Stripe refused refund row %s: %s (%s)", row.id, exc.user_message, exc.code)
        message = refund_rules.refused_words(exc.code)
        _refused(row.id, message, exc.code)
        raise DomainError(message, "amount", status=409) from None
    _answered(row.id, refund)


def _made_before(row: Refund, online: OnlinePayment):
    """The Refund Stripe already made for this row, if any (one list call on the payment)."""
    made = stripe_api.client().v1.refunds.list(
        {"payment_intent": online.payment_intent_id, "limit": 100},
        options={"stripe_account": online.stripe_account_id},
    )
    return next(
        (
            refund
            for refund in made.auto_paging_iter()
            if refund.metadata and refund.metadata.to_dict().get("bbp_refund") == str(row.id)
        ),
        None,
    )


@atomic
def _refused(row_id: int, message: str, code: str | None) -> None:
    row = db.session.get(Refund, row_id, with_for_update=True)
    if row.status == REQUESTED:
        row.status, row.failure = REFUSED, message
        after = {"status": REFUSED, "error": message, "code": code}
        record("refund.refused", row, after=after, actor="Stripe")


@atomic
def _answered(row_id: int, refund: stripe.Refund) -> None:
    """Keep the Refund's id; its status too unless a webhook already moved the row on."""
    row = db.session.get(Refund, row_id, with_for_update=True)
    if row.stripe_refund_id is None:
        row.stripe_refund_id = refund.id
    if row.status == REQUESTED:
        row.status = refund.status


def waiting(bond: Bond) -> list[tuple[Refund, OnlinePayment]]:
    """The bond's refunds not entered (in progress, refused, failed) and those that failed
    after they were entered: what the payments section lists under the ledger."""
    return list(
        db.session.execute(
            select(Refund, OnlinePayment)
            .join(OnlinePayment, OnlinePayment.id == Refund.online_payment_id)
            .where(
                OnlinePayment.bond_id == bond.id,
                Refund.payment_id.is_(None) | Refund.status.in_(RELEASED),
            )
            .order_by(Refund.id.desc())
            .limit(20)
        ).all()
    )


# ---- Stripe's side: the Connect webhooks ------------------------------------------------


def settle(refund: stripe.Refund) -> None:
    """Bring our row and the ledger in line with a Refund as Stripe has it now."""
    intent = refund.payment_intent if isinstance(refund.payment_intent, str) else None
    online = (
        db.session.scalar(select(OnlinePayment).where(OnlinePayment.payment_intent_id == intent))
        if intent
        else None
    )
    if online is None:  # a charge BailBondPro did not take: not ours to enter
        log.info("refund %s is for a payment BailBondPro did not take", refund.id)
        return
    online = _locked(online)
    row = _row_for(refund, online)
    before = row.status
    row.stripe_refund_id, row.amount_cents, row.status = refund.id, refund.amount, refund.status
    row.failure = getattr(refund, "failure_reason", None) or row.failure
    entering = refund.status == "succeeded" and row.payment_id is None
    if entering:
        bond = db.session.get(Bond, online.bond_id)
        entry = record_confirmed(
            bond, "refund", from_cents(refund.amount), refund.id, online.payer_name
        )
        row.payment_id = entry.id
    elif refund.status in RELEASED and row.payment_id is not None:
        _returned(row, online)
    if row.status != before or entering:  # a change, or the confirmation that enters it
        record(
            f"refund.{row.status}",
            row,
            before={"status": before},
            after={"status": row.status, "stripe": refund.id},
            actor="Stripe",
        )


def _row_for(refund: stripe.Refund, online: OnlinePayment) -> Refund:
    """Our row for this Refund: by its id, by the row id we put in its metadata, or a new one
    (a refund made in the Stripe Dashboard)."""
    row = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == refund.id))
    if row is not None:
        return row
    metadata = refund.metadata.to_dict() if refund.metadata else {}
    ours = str(metadata.get("bbp_refund", ""))
    if ours.isdigit() and int(ours) < 2**31:
        row = db.session.scalar(
            select(Refund).where(
                Refund.id == int(ours),
                Refund.online_payment_id == online.id,
                Refund.stripe_refund_id.is_(None),
            )
        )
        if row is not None:
            return row
    return _added(
        "refund.made_in_stripe",
        "Stripe",
        online_payment_id=online.id,
        amount_cents=refund.amount,
        status=refund.status,
        reason=DASHBOARD_REASON,
        stripe_refund_id=refund.id,
    )


def _returned(row: Refund, online: OnlinePayment) -> None:
    """A refund that failed after it was entered: the money came back to the agency's Stripe
    balance, so the ledger takes it in again, once, as the kind of the payment refunded."""
    paid = db.session.get(Payment, online.payment_id) if online.payment_id else None
    bond = db.session.get(Bond, online.bond_id)
    record_confirmed(
        bond,
        paid.kind if paid else "premium",
        from_cents(row.amount_cents),
        f"{row.stripe_refund_id}-returned",
        online.payer_name,
    )


def _fetch(refund_id: str, account: str) -> stripe.Refund:
    return stripe_api.client().v1.refunds.retrieve(refund_id, options={"stripe_account": account})


def on_refund(event: stripe.Event, account: str) -> None:
    """refund.created / updated / failed: settle the Refund as Stripe has it now."""
    settle(_fetch(event.data.object.id, account))


def on_charge_refunded(event: stripe.Event, account: str) -> None:
    """charge.refunded: settle each of the charge's refunds (Dashboard ones included)."""
    refunds = stripe_api.client().v1.refunds.list(
        {"charge": event.data.object.id, "limit": 100}, options={"stripe_account": account}
    )
    for refund in reversed(list(refunds.auto_paging_iter())):  # oldest first, as made
        settle(refund)


HANDLES = {
    "refund.created": on_refund,
    "refund.updated": on_refund,
    "refund.failed": on_refund,
    "charge.refunded": on_charge_refunded,
}
