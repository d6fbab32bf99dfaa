"""Autopay's Connect events: a saved card turns an enrollment on; an autopay PaymentIntent that
succeeded enters the ledger, one that failed moves to its retry.

Every handler reads the object as Stripe has it now (never the event's snapshot), looks its row
up by the ids stored before Stripe was called, locks it, and changes it only by the transition
its state allows: any order of events, and any number of deliveries, give the same result.
Objects that are not autopay's (a portal payment's PaymentIntent) are left to their module.
"""

from __future__ import annotations

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant import confirm
from bbp.merchant.models import AutopayEnrollment, OnlinePayment


def _options(account: str) -> dict:
    return {"stripe_account": account}


def on_checkout_completed(event: stripe.Event, account: str) -> None:
    """A Checkout that saved a card for autopay (setup mode, or a payment that kept its card)."""
    session = stripe_api.client().v1.checkout.sessions.retrieve(
        event.data.object.id, options=_options(account)
    )
    enrollment_id = _tag(session, "bbp_autopay")
    if not enrollment_id or session.status != "complete":
        return None
    intents = stripe_api.client().v1
    if session.mode == "setup" and session.setup_intent:
        intent = intents.setup_intents.retrieve(
            _id(session.setup_intent), options=_options(account)
        )
        ready = intent.status == "succeeded"
    elif session.payment_intent:
        intent = intents.payment_intents.retrieve(
            _id(session.payment_intent), options=_options(account)
        )
        ready = intent.status in ("succeeded", "processing")
    else:
        return None
    if ready:
        activate(int(enrollment_id), _id(intent.customer), _id(intent.payment_method), account)
    return None


def on_setup_succeeded(event: stripe.Event, account: str) -> None:
    """A SetupIntent for autopay saved its card (the setup Checkout's own event)."""
    intent = stripe_api.client().v1.setup_intents.retrieve(
        event.data.object.id, options=_options(account)
    )
    enrollment_id = _tag(intent, "bbp_autopay")
    if enrollment_id and intent.status == "succeeded":
        activate(int(enrollment_id), _id(intent.customer), _id(intent.payment_method), account)
    return None


def activate(enrollment_id: int, customer: str | None, method: str | None, account: str) -> None:
    """Turn the enrollment on with the card Stripe saved, if the card is its payer's."""
    row = db.session.get(AutopayEnrollment, enrollment_id, with_for_update=True)
    if row is None or row.turned_off_at is not None or not method:
        return
    if row.stripe_customer_id is None or row.stripe_customer_id != customer:
        return  # not the customer this enrollment made: not its card
    if row.stripe_payment_method_id == method and row.active_since is not None:
        return  # a repeated event
    card = stripe_api.client().v1.payment_methods.retrieve(method, options=_options(account)).card
    row.stripe_payment_method_id = method
    row.card_brand, row.card_last4 = card.brand or "", card.last4 or ""
    row.card_exp_month, row.card_exp_year = card.exp_month, card.exp_year
    turning_on = row.active_since is None
    row.active_since = row.active_since or utcnow()
    record(
        "autopay.turned_on" if turning_on else "autopay.card_changed",
        row,
        after={"card": f"{row.card_brand} {row.card_last4}", "payer": row.payer_name},
        actor=f"portal: {row.payer_name}",
    )


def on_payment_intent(event: stripe.Event, account: str) -> None:
    """An autopay PaymentIntent moved: enter it once it succeeded; close it once cancelled."""
    intent = stripe_api.client().v1.payment_intents.retrieve(
        event.data.object.id, options=_options(account)
    )
    row = _row_of(intent)
    if row is None:
        return None
    lock(db.session.get(Bond, row.bond_id))  # the ledger's order: bond, then the row
    db.session.refresh(row, with_for_update=True)
    if intent.status == "succeeded":
        if row.payment_id is None:
            confirm.record_succeeded(row, intent)
    elif intent.status == "canceled" and row.status in (
        "processing",
        "retrying",
        "requires_action",
    ):
        row.status, row.next_attempt_on, row.updated_at = "cancelled", None, utcnow()
    # A decline is settled by the attempt that confirmed (it gets Stripe's answer, or the same
    # answer again under the same key if it was interrupted): a late payment_failed event of an
    # earlier attempt must not fail the attempt running now.
    return None


def _row_of(intent: stripe.PaymentIntent) -> OnlinePayment | None:
    """The autopay row of a PaymentIntent: by its stored id, else by the row id the job put in
    its metadata (a PaymentIntent made before its id was stored)."""
    row = db.session.scalar(
        select(OnlinePayment).where(OnlinePayment.payment_intent_id == intent.id)
    )
    if row is None:
        tagged = _tag(intent, "bbp_online_payment") or ""
        row = db.session.get(OnlinePayment, int(tagged)) if tagged.isdigit() else None
        if row is not None and row.payment_intent_id not in (None, intent.id):
            return None
        if row is not None:
            row.payment_intent_id, row.updated_at = intent.id, utcnow()
    return row if row is not None and row.source == "autopay" else None


def _tag(obj, key: str) -> str | None:
    """One of the metadata values we put on a Stripe object."""
    metadata = getattr(obj, "metadata", None)
    return metadata.to_dict().get(key) if metadata else None


def _id(value) -> str | None:
    """An id whether Stripe sent the object or only its id."""
    return getattr(value, "id", value) if value is not None else None


HANDLES = {
    "checkout.session.completed": on_checkout_completed,
    "setup_intent.succeeded": on_setup_succeeded,
    "payment_intent.succeeded": on_payment_intent,
    "payment_intent.canceled": on_payment_intent,
}
