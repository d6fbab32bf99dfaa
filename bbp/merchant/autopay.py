"""Autopay's part of the Connect events: a saved card turns an enrollment on.

Every handler reads the object as Stripe has it now (never the event's snapshot), finds its
enrollment by the id we put in the metadata, checks that the card was saved under the
enrollment's current authorization (its id is in the metadata too) and belongs to the customer
that enrollment made for its payer, and changes it only if it is still waiting or its card
changed: any order of events and any number of deliveries give the same result.

Payments are Checkout's to settle (`bbp.merchant.confirm`, one handler per event type): an
autopay PaymentIntent that succeeded enters the ledger there, once. A decline is settled by the
charging job's attempt that confirmed it (it gets Stripe's answer, or the same answer again under
the same key if it was interrupted), so autopay's failure hook changes nothing: a late
payment_failed event of an earlier attempt must not fail the attempt running now.
"""

from __future__ import annotations

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.kernel.clock import utcnow
from bbp.merchant import confirm
from bbp.merchant.models import AutopayEnrollment, OnlinePayment


def _options(account: str) -> dict:
    return {"stripe_account": account}


def on_session(row: OnlinePayment | None, session, account: str) -> None:
    """A completed Checkout that saved a card for autopay (setup mode, or a payment that kept
    its card with `setup_future_usage`)."""
    enrollment_id = _tag(session, "bbp_autopay")
    if not enrollment_id or not enrollment_id.isdigit() or session.status != "complete":
        return None
    v1 = stripe_api.client().v1
    if session.mode == "setup" and session.setup_intent:
        intent = v1.setup_intents.retrieve(_id(session.setup_intent), options=_options(account))
        ready = intent.status == "succeeded"
    elif session.payment_intent:
        intent = v1.payment_intents.retrieve(_id(session.payment_intent), options=_options(account))
        ready = intent.status in ("succeeded", "processing")
    else:
        return None
    if ready:
        activate(
            int(enrollment_id),
            _id(intent.customer),
            _id(intent.payment_method),
            account,
            _tag(session, "bbp_authorization"),
            session=session.id,
        )
    return None


def on_setup_succeeded(event: stripe.Event, account: str) -> None:
    """A SetupIntent for autopay saved its card (the setup Checkout's own event)."""
    intent = stripe_api.client().v1.setup_intents.retrieve(
        event.data.object.id, options=_options(account)
    )
    enrollment_id = _tag(intent, "bbp_autopay")
    if enrollment_id and enrollment_id.isdigit() and intent.status == "succeeded":
        activate(
            int(enrollment_id),
            _id(intent.customer),
            _id(intent.payment_method),
            account,
            _tag(intent, "bbp_authorization"),
        )
    return None


def activate(
    enrollment_id: int,
    customer: str | None,
    method: str | None,
    account: str,
    authorization: str | None = None,
    session: str | None = None,
) -> None:
    """Turn the enrollment on with the card Stripe saved, if the card was saved under the
    enrollment's current authorization, by the customer it made for its payer; `session` is
    the Checkout session that saved it (the SetupIntent's own event does not name one)."""
    if enrollment_id >= 2**31:
        return
    row = db.session.get(AutopayEnrollment, enrollment_id, with_for_update=True)
    if row is None or row.turned_off_at is not None or not method:
        return
    if row.authorization_id is not None and authorization != row.authorization_id:
        return  # saved under an earlier (or another payer's) authorization: not this one's
    if row.stripe_customer_id is None or row.stripe_customer_id != customer:
        return  # not the customer this enrollment made: not its card
    if row.stripe_payment_method_id == method and row.active_since is not None:
        row.card_session_id = session or row.card_session_id  # its session's event came second
        return  # a repeated event
    row.card_session_id = session
    card = stripe_api.client().v1.payment_methods.retrieve(method, options=_options(account)).card
    row.stripe_payment_method_id = method
    row.card_brand, row.card_last4 = card.brand or "", card.last4 or ""
    row.card_exp_month, row.card_exp_year = card.exp_month, card.exp_year
    turning_on = row.active_since is None
    row.active_since = row.active_since or utcnow()
    wakeups.wake(wakeups.AUTOPAY)  # an installment due today is charged today
    record(
        "autopay.turned_on" if turning_on else "autopay.card_changed",
        row,
        after={"card": f"{row.card_brand} {row.card_last4}", "payer": row.payer_name},
        actor=f"portal: {row.payer_name}",
    )


def on_failed(row: OnlinePayment, intent) -> None:
    """An autopay PaymentIntent failed: its attempt settles it (see the module's docstring)."""
    return None


def _tag(obj, key: str) -> str | None:
    """One of the metadata values we put on a Stripe object."""
    metadata = getattr(obj, "metadata", None)
    return metadata.to_dict().get(key) if metadata else None


def _id(value) -> str | None:
    """An id whether Stripe sent the object or only its id."""
    return getattr(value, "id", value) if value is not None else None


confirm.SESSION_HOOKS.append(on_session)
confirm.FAILED_HOOKS["autopay"] = on_failed
HANDLES = {"setup_intent.succeeded": on_setup_succeeded}
