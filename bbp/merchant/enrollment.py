"""Autopay enrollments: a payer's authorization, the card Stripe saved for it, and turning it off.

An enrollment is written when the payer agrees to the authorization (its SHA-256, time, IP and
browser kept) and becomes active only when a Connect webhook confirms that Stripe saved the
card (`autopay.activate`), read back from Stripe. One enrollment per bond is live at a time (a
partial unique index); turning it off is immediate and cancels any charge not yet made.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bbp.audit.services import record, request_origin
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import COLLECTABLE, Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.clock import agency_today, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import autopay_terms, checkout
from bbp.merchant.models import AutopayEnrollment, OnlinePayment
from bbp.payments import services as payments
from bbp.payments.models import PaymentPlan
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)
# An autopay charge Stripe has not been asked to make yet can still be called off.
NOT_CHARGED = ("requires_payment_method", "requires_confirmation", "requires_action")
PENDING_ROWS = ("processing", "retrying", "requires_action")


@dataclass(frozen=True)
class Offer:
    """What the payer would authorize: the bond's installments still to pay."""

    bond: Bond
    plan: PaymentPlan
    instalments: list[tuple[date, Decimal]]  # due date and amount still unpaid, from today on


def charging_account() -> str | None:
    """The agency's connected account when it can take charges, else None."""
    account = checkout.merchant_account()
    return account.stripe_account_id if account is not None else None


def offer(bond: Bond) -> Offer | None:
    """The installments autopay would cover, or None when the bond has none left to pay."""
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    if plan is None or bond.status not in COLLECTABLE:
        return None
    today = agency_today()
    lines = instalment_lines(bond, plan, today)
    left = [(line.due_on, line.left) for line in lines if line.left > 0 and line.due_on >= today]
    return Offer(bond, plan, left) if left else None


def not_offered(bond: Bond) -> str | None:
    """Why autopay is not offered on the bond, for the payer: "no_account", "not_collecting",
    "no_plan", "paid" or "overdue" (only past-due installments left: autopay charges on due
    dates to come, never late); None when it is offered."""
    if charging_account() is None:
        return "no_account"
    if bond.status not in COLLECTABLE:
        return "not_collecting"
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    if plan is None or not plan.instalments:
        return "no_plan"
    today = agency_today()
    left = [line for line in instalment_lines(bond, plan, today) if line.left > 0]
    if not left:
        return "paid"
    return "overdue" if all(line.due_on < today for line in left) else None


def instalment_lines(bond: Bond, plan: PaymentPlan, today: date) -> list[payments.PlanLine]:
    """The plan's lines for its installments only (without the down payment), in plan order."""
    lines = payments.plan_lines(bond, plan, today)
    return lines[1:] if plan.down_payment > 0 else lines


def unpaid_of(bond: Bond, plan: PaymentPlan, instalment, lines=None) -> Decimal:
    """What the ledger has not covered yet of one installment (payments settle the earliest
    dues first); `lines` are the plan's installment lines when the caller has them."""
    lines = lines if lines is not None else instalment_lines(bond, plan, agency_today())
    return lines[[i.id for i in plan.instalments].index(instalment.id)].left


def live(bond_id: int) -> AutopayEnrollment | None:
    """The bond's enrollment not turned off (active, or waiting for Stripe's confirmation)."""
    return db.session.scalar(
        select(AutopayEnrollment).where(
            AutopayEnrollment.bond_id == bond_id, AutopayEnrollment.turned_off_at.is_(None)
        )
    )


def active(bond_id: int) -> AutopayEnrollment | None:
    """The bond's enrollment that charges installments (Stripe confirmed its card)."""
    found = live(bond_id)
    return found if found is not None and found.active_since is not None else None


@atomic
def authorize(bond: Bond, payer: dict, payer_name: str, contact: str, shown: str):
    """Record the payer's agreement to the text shown; returns the enrollment waiting for its
    card (an earlier unfinished one is reused with the new agreement)."""
    lock(bond)
    row = live(bond.id)
    if row is not None and row.active_since is not None:
        raise DomainError("Autopay is already on for this bond.")
    ip, agent = request_origin()
    if row is None:
        row = AutopayEnrollment(bond_id=bond.id, payer=payer)
        db.session.add(row)
    if row.payer != payer:  # another payer: their own Stripe customer, never the last one's
        row.stripe_customer_id = None
    # Each agreement its own id: a card saved under an earlier one never turns this one on.
    row.authorization_id = secrets.token_hex(16)
    row.payer, row.payer_name, row.contact = payer, payer_name[:120], contact[:254]
    row.authorization_sha256 = autopay_terms.fingerprint(shown)
    row.authorized_at, row.authorized_ip = utcnow(), ip
    row.authorized_user_agent = (agent or "")[:400] or None
    db.session.flush()
    record(
        "autopay.authorized",
        row,
        after={"bond": bond.number, "payer": row.payer_name, "sha256": row.authorization_sha256},
        actor=f"portal: {row.payer_name}",
    )
    return row


def customer_for(row: AutopayEnrollment, account: str) -> str:
    """The payer's Stripe customer on the agency's account: one per payer and bond (a new
    payer's authorization starts without one, see `authorize`)."""
    if row.stripe_customer_id:
        return row.stripe_customer_id
    payer = f"{row.payer['kind']}-{row.payer['id']}"
    customer = stripe_api.client().v1.customers.create(
        params={
            "name": row.payer_name,
            "metadata": {"bbp_autopay": str(row.id), "bond_id": str(row.bond_id), "payer": payer},
        },
        options={
            "stripe_account": account,
            "idempotency_key": f"autopay-customer-{require_tenant().id}-{row.id}-{payer}",
        },
    )
    with atomic:
        db.session.refresh(row, with_for_update=True)
        row.stripe_customer_id = row.stripe_customer_id or customer.id
    return row.stripe_customer_id


def tags(row: AutopayEnrollment) -> dict[str, str]:
    """The metadata autopay puts on a card-saving Checkout session and its intent: the
    enrollment and the authorization the card is saved under (`autopay.activate` checks it)."""
    return {
        "bbp_autopay": str(row.id),
        "bbp_authorization": row.authorization_id or "",
        "bond_id": str(row.bond_id),
        "source": "autopay",
    }


def setup_checkout(row: AutopayEnrollment, account: str, success_url: str, cancel_url: str) -> str:
    """A Stripe-hosted Checkout in setup mode that saves the payer's card; returns its URL. The
    session of an earlier authorization still open is expired first (its card could no longer
    turn autopay on anyway: `autopay.activate` wants the current authorization)."""
    expire_previous_setup(row, account)
    customer = customer_for(row, account)
    session = stripe_api.client().v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "customer": customer,
            "payment_method_types": ["card"],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": tags(row),
            "setup_intent_data": {"metadata": tags(row)},
        },
        options={
            "stripe_account": account,
            "idempotency_key": (
                f"autopay-setup-{require_tenant().id}-{row.id}-{row.authorization_id}"
            ),
        },
    )
    with atomic:
        db.session.refresh(row, with_for_update=True)
        row.setup_session_id = session.id
    return session.url


def keep_card(row: AutopayEnrollment, account: str) -> checkout.KeepCard:
    """What a portal payment needs to save its card for this enrollment: the payer's customer
    and the metadata naming the enrollment and its authorization (no setup session: the
    payment's Checkout saves the card)."""
    expire_previous_setup(row, account)
    with atomic:
        db.session.refresh(row, with_for_update=True)
        row.setup_session_id = None
    found = tags(row)
    return checkout.KeepCard(
        row.id,
        customer_for(row, account),
        {key: found[key] for key in ("bbp_autopay", "bbp_authorization")},
    )


def expire_previous_setup(row: AutopayEnrollment, account: str) -> None:
    """Expire the setup Checkout opened for an earlier authorization, if Stripe still has it
    open (a completed one is left: its card is refused by `autopay.activate`)."""
    previous = row.setup_session_id
    if not previous:
        return
    sessions = stripe_api.client().v1.checkout.sessions
    try:
        found = sessions.retrieve(previous, options={"stripe_account": account})
        metadata = found.metadata.to_dict() if found.metadata else {}
        if found.status == "open" and metadata.get("bbp_authorization") != row.authorization_id:
            sessions.expire(
                previous,
                options={
                    "stripe_account": account,
                    "idempotency_key": f"bbp-expire-checkout-{previous}",
                },
            )
    except stripe.InvalidRequestError as exc:  # gone, or completed meanwhile
        log.warning("setup session %s not expired: %s", previous, exc)


def turn_off(row: AutopayEnrollment, by_label: str, actor=None) -> AutopayEnrollment:
    """Stop autopay now; charges Stripe has not made yet are cancelled there too."""
    with atomic:
        lock(db.session.get(Bond, row.bond_id))
        db.session.refresh(row)
        if row.turned_off_at is not None:
            raise DomainError("Autopay is already off for this bond.")
        row.turned_off_at, row.turned_off_by = utcnow(), by_label[:120]
        pending = list(
            db.session.scalars(
                select(OnlinePayment).where(
                    OnlinePayment.autopay_id == row.id,
                    OnlinePayment.status.in_(PENDING_ROWS),
                    OnlinePayment.payment_intent_id.is_not(None),
                )
            )
        )
        record(
            "autopay.turned_off",
            row,
            before={"on": True, "card": row.card_last4},
            after={"on": False, "by": row.turned_off_by},
            actor=actor or by_label,
        )
    for charge in pending:
        cancel_charge(charge.id)
    return row


def cancel_charge(online_payment_id: int, why: str = "") -> str:
    """Call off an autopay charge not made yet: the PaymentIntent is cancelled at Stripe and the
    row closed (saying `why`, if given); a charge already made is left for its webhook. Returns
    the PI's status."""
    row = db.session.get(OnlinePayment, online_payment_id)
    options = {"stripe_account": row.stripe_account_id}
    intents = stripe_api.client().v1.payment_intents
    intent = intents.retrieve(row.payment_intent_id, options=options)
    if intent.status in NOT_CHARGED:
        try:
            intent = intents.cancel(row.payment_intent_id, options=options)
        except stripe.InvalidRequestError:  # confirmed meanwhile: its webhook settles it
            intent = intents.retrieve(row.payment_intent_id, options=options)
    with atomic:
        db.session.refresh(row, with_for_update=True)
        if intent.status == "canceled" and row.status in PENDING_ROWS:
            row.status, row.next_attempt_on, row.updated_at = "cancelled", None, utcnow()
            row.last_error = why or row.last_error
    return intent.status
