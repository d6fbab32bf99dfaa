"""Confirming online payments from Stripe: the one way money paid online enters the ledger.

Every source (the portal, pay links, autopay) ends here. A handler re-reads the Checkout session
or PaymentIntent from Stripe, locks the bond, and, when the PaymentIntent has succeeded, enters
its `amount_received` once (`payments.services.record_confirmed`, keyed by the PaymentIntent's
id) and links the row to the entry, writing the payer's receipt text in the same transaction
(`receipt_notice`: after the commit only its hand-off to a worker can fail, which the texts task
recovers). Because each step reads Stripe's current state under the bond's lock and the ledger
entry is unique per PaymentIntent, events may come in any order, twice, or at once on two
workers. A row a restored copy left `unconfirmed` is never entered (`restored`).

Autopay (and saving cards) plug in through two hooks instead of handling the same event types a
second time (`events.HANDLERS` keeps one handler per type):

* `FAILED_HOOKS[source](row, intent)`: a PaymentIntent of that source failed (autopay retries).
* `SESSION_HOOKS`: each called with (row, session, account) for a completed Checkout session
  (setup mode, or `setup_future_usage`: the card to keep).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.merchant import (
    ledger_words,  # noqa: F401  (tells the ledger what online entries are)
    receipt_notice,
)
from bbp.merchant.models import OnlinePayment
from bbp.merchant.money import from_cents
from bbp.merchant.restored import UNCONFIRMED
from bbp.payments import services as payments
from bbp.payments.models import Payment

log = logging.getLogger(__name__)
After = Callable[[], None]
FAILED_HOOKS: dict[str, Callable[[OnlinePayment, Any], After | None]] = {}
SESSION_HOOKS: list[Callable[[OnlinePayment | None, Any, str], After | None]] = []
FAILED = ("requires_payment_method", "canceled")


def intent_of(intent_id: str, account: str):
    """The PaymentIntent as Stripe has it now, on the agency's account, with its latest charge
    (the card it was made with)."""
    return stripe_api.client().v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge"]}, options={"stripe_account": account}
    )


def on_payment_intent(event: stripe.Event, account: str) -> After | None:
    """payment_intent.succeeded / payment_failed / processing: settle what it is now."""
    return settle_intent(intent_of(event.data.object.id, account), account)


def row_for(account: str, *, session_id=None, intent_id=None, metadata=None):
    """The online payment a Checkout session or PaymentIntent belongs to, on this account.

    Rows are found by the Stripe ids we stored. Metadata (which anyone with access to the
    agency's account can write) only points at a candidate, accepted when the row's own ids
    agree: its session is this one, or its PaymentIntent is this one, or (a PaymentIntent
    arriving before its session's event) Stripe says the row's session made this PaymentIntent.
    """
    found = [OnlinePayment.checkout_session_id == session_id] if session_id else []
    found += [OnlinePayment.payment_intent_id == intent_id] if intent_id else []
    row = _first(account, found) if found else None
    if row is not None:
        return row
    row_id = str((metadata or {}).get("online_payment_id") or "")
    if not (row_id.isdigit() and int(row_id) < 2**31):
        return None
    row = _first(account, [OnlinePayment.id == int(row_id)])
    if row is None or row.payment_id is not None:
        return None
    if session_id is not None:
        return row if row.checkout_session_id in (None, session_id) else None
    if row.payment_intent_id is not None or row.checkout_session_id is None:
        return None  # another PaymentIntent is this row's, or it never opened a session
    session = stripe_api.client().v1.checkout.sessions.retrieve(
        row.checkout_session_id, options={"stripe_account": account}
    )
    return row if _id(session.payment_intent) == intent_id else None


def _first(account: str, found: list) -> OnlinePayment | None:
    return db.session.scalar(
        select(OnlinePayment)
        .where(or_(*found), OnlinePayment.stripe_account_id == account)
        .order_by(OnlinePayment.id)
        .limit(1)
    )


def _bond_of(row: OnlinePayment) -> Bond:
    """The bond a row is for (metadata never names one: only rows of ours do)."""
    return db.session.get(Bond, row.bond_id)


def settle_session(session, account: str) -> After | None:
    """A Checkout session as it is now: expired, still open, or complete (paid, paying later,
    failed to pay, or a card saved)."""
    row = row_for(account, session_id=session.id, metadata=_plain(session.metadata))
    complete = session.status == "complete"
    if row is None:  # no payment of ours: a card-saving session is its hooks' to judge
        if not complete:
            return None
        return _chain([hook(None, session, account) for hook in SESSION_HOOKS])
    bond = _bond_of(row)
    lock(bond)
    db.session.refresh(row)
    if row.status == UNCONFIRMED:
        return None  # staff settle it by hand (restored.py): entering it too would count it twice
    afters: list[After | None] = []
    if session.status == "expired":
        if row.status == "open":
            row.status = "expired"
    elif complete:
        if row.checkout_session_id is None:
            row.checkout_session_id = session.id
        intent_id = _id(session.payment_intent)
        if intent_id is not None:
            afters.append(settle_intent(intent_of(intent_id, account), account, row, closed=True))
        elif row.mode == "setup" and row.status in ("open", "processing"):
            row.status = "succeeded"  # the card is saved (the hook below keeps it)
        afters += [hook(row, session, account) for hook in SESSION_HOOKS]
    return _chain(afters)


def settle_intent(intent, account: str, row=None, closed: bool = False) -> After | None:
    """Enter a succeeded PaymentIntent once; note one still processing or failed. `closed`: its
    Checkout session is complete, so a failure cannot be retried in it."""
    row = row or row_for(account, intent_id=intent.id, metadata=_plain(intent.metadata))
    if row is None:
        return None  # not a payment of ours (the agency's own use of its account)
    bond = _bond_of(row)
    lock(bond)
    db.session.refresh(row)
    if row.status == UNCONFIRMED:
        return None  # staff settle it by hand (restored.py): entering it too would count it twice
    row.payment_intent_id = row.payment_intent_id or intent.id
    if intent.status == "succeeded":
        return _enter(bond, row, intent)
    if row.status == "succeeded":
        return None
    if intent.status == "processing" and row.status == "open":
        row.status = "processing"
    elif intent.status in FAILED and _failure(intent) is not None:
        row.last_error = _failure(intent)
        hook = FAILED_HOOKS.get(row.source)
        if hook is not None:
            return hook(row, intent)
        if closed or row.status == "processing":  # paid later, and it failed: pay again
            row.status = "failed"
    return None


def _failure(intent) -> str | None:
    error = intent.last_payment_error
    if error is None:
        return None
    return (getattr(error, "message", None) or getattr(error, "code", None) or "declined")[:500]


def _enter(bond: Bond, row: OnlinePayment, intent) -> After | None:
    """The ledger entry of a succeeded PaymentIntent, once, with its receipt's text (handed to
    a worker after the commit)."""
    if row.payment_id is not None:
        return None
    known = db.session.scalar(select(Payment.id).where(Payment.external_id == intent.id))
    amount = from_cents(intent.amount_received)
    if row.amount_cents not in (None, intent.amount_received):
        log.warning(
            "payment %s: Stripe received %s cents, asked %s",
            row.id,
            *(intent.amount_received, row.amount_cents),
        )
    payment = payments.record_confirmed(
        bond, "premium", amount, intent.id, row.payer_name or "Online"
    )
    # What Stripe took is what the row says from now on (refunds count what is left from it).
    row.amount_cents = intent.amount_received
    row.payment_id, row.status, row.last_error = payment.id, "succeeded", ""
    row.card_brand, row.card_last4 = card_of(intent)
    if known is not None:
        return None
    return receipt_notice.owe(row, payment)


def card_of(intent) -> tuple[str | None, str | None]:
    """The brand and last four digits of the card a PaymentIntent charged, when its latest
    charge came expanded and was a card (None, None otherwise)."""
    charge = getattr(intent, "latest_charge", None)
    details = getattr(charge, "payment_method_details", None) if charge else None
    card = getattr(details, "card", None) if details else None
    if card is None:
        return None, None
    brand, last4 = getattr(card, "brand", None) or "", getattr(card, "last4", None) or ""
    return brand[:20] or None, last4[:4] or None


def _chain(afters: list[After | None]) -> After | None:
    todo = [after for after in afters if after is not None]
    if not todo:
        return None

    def run() -> None:
        for after in todo:
            after()

    return run


def _id(value) -> str | None:
    """An expandable field's id (a string, or the object when expanded)."""
    if value is None or isinstance(value, str):
        return value
    return value.id


def _plain(metadata) -> dict:
    if metadata is None:
        return {}
    return metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
