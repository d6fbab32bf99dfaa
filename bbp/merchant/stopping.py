"""Stopping an agency's online payments: small steps the disconnect, the agency's deletion and
other parts share (docs/payments-connect.md, "Disconnecting").

`release` marks the account disconnected in both tables and turns autopay off, in the caller's
transaction; `expire_open_checkouts` then ends the Checkout sessions still waiting for a payer,
and `cancel_autopay_charges` the autopay PaymentIntents not charged yet (as turning autopay off
by hand does), after that commit (a payment Stripe already took still reaches the ledger: the
account stays mapped to the agency, so its events are routed and processed). When the agency
disconnected the platform in its own Dashboard, Stripe no longer lets us cancel: those charges
can no longer be confirmed by us either, and the enrollment is off.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.transactions import active
from bbp.merchant import enrollment as enrollments
from bbp.merchant import restored
from bbp.merchant.models import AutopayEnrollment, ConnectedAccount, MerchantAccount, OnlinePayment
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)


def label(actor: Any) -> str:
    """How a row names who stopped something: a staff member's name, else the actor's words."""
    return getattr(actor, "name", None) or getattr(actor, "email", None) or str(actor)


def release(account: MerchantAccount, actor: Any, why: str) -> None:
    """Stop taking payments through `account`: the map row is released (its events still
    reach the agency), the agency's row disconnected, every autopay turned off; audited. Only
    this agency's map row: a restored archive's rows can name another agency's account."""
    now = utcnow()
    account.disconnected_at = now
    db.session.execute(
        update(ConnectedAccount)
        .where(
            ConnectedAccount.stripe_account_id == account.stripe_account_id,
            ConnectedAccount.tenant_id == require_tenant().id,
            ConnectedAccount.released_at.is_(None),
        )
        .values(released_at=now)
    )
    stopped = turn_off_autopay(actor, why)
    record(
        "merchant.disconnected",
        account,
        before={
            "stripe_account": account.stripe_account_id,
            "charges_enabled": account.charges_enabled,
        },
        after={"reason": why, "autopay_turned_off": stopped},
        actor=actor,
    )


def turn_off_autopay(actor: Any, why: str) -> int:
    """Turn off every autopay enrollment of the bound agency that is on; each one audited.
    Returns how many were on."""
    enrollments = db.session.scalars(
        select(AutopayEnrollment).where(AutopayEnrollment.turned_off_at.is_(None)).with_for_update()
    ).all()
    now, who = utcnow(), label(actor)
    for enrollment in enrollments:
        enrollment.turned_off_at, enrollment.turned_off_by = now, who
        record(
            "autopay.turned_off",
            enrollment,
            before={"bond_id": enrollment.bond_id, "autopay": True},
            after={"autopay": False, "reason": why},
            actor=actor,
        )
    return len(enrollments)


def expire_open_checkouts(stripe_account_id: str) -> int:
    """Expire the bound agency's Checkout sessions still open on this account, so nobody pays
    through a disconnected account; a session Stripe already completed is left to its event.
    Call it after the commit that stopped new ones. Returns how many Stripe expired."""
    if active():
        raise RuntimeError("expire_open_checkouts runs outside a unit of work (it commits)")
    open_ones = db.session.execute(
        select(OnlinePayment.id, OnlinePayment.checkout_session_id).where(
            OnlinePayment.stripe_account_id == stripe_account_id,
            OnlinePayment.status == "open",
            OnlinePayment.checkout_session_id.is_not(None),
        )
    ).all()
    db.session.rollback()  # no transaction stays open across Stripe's answers
    sessions = stripe_api.client().v1.checkout.sessions
    expired = 0
    for payment_id, session_id in open_ones:
        try:
            session = sessions.expire(
                session_id,
                options={
                    "stripe_account": stripe_account_id,
                    "idempotency_key": f"bbp-expire-checkout-{session_id}",
                },
            )
        except stripe.StripeError as exc:  # completed meanwhile, or Stripe unreachable
            log.warning("checkout session %s not expired: %s", session_id, exc)
            continue
        expired += _mark_expired(payment_id, session.to_dict().get("status"))
    return expired


def cancel_autopay_charges(stripe_account_id: str) -> int:
    """Cancel at Stripe the autopay charges on this account not made yet whose enrollment is
    off (a disconnect turned them all off), and close their rows; a charge Stripe already made
    is left to its webhook. Call it after the commit that turned autopay off. Returns how many
    rows were cancelled."""
    if active():
        raise RuntimeError("cancel_autopay_charges runs outside a unit of work (it commits)")
    pending = db.session.scalars(
        select(OnlinePayment.id)
        .join(AutopayEnrollment, AutopayEnrollment.id == OnlinePayment.autopay_id)
        .where(
            OnlinePayment.stripe_account_id == stripe_account_id,
            OnlinePayment.source == "autopay",
            OnlinePayment.status.in_(enrollments.PENDING_ROWS),
            OnlinePayment.payment_intent_id.is_not(None),
            AutopayEnrollment.turned_off_at.is_not(None),
        )
    ).all()
    db.session.rollback()  # no transaction stays open across Stripe's answers
    cancelled = 0
    for payment_id in pending:
        try:
            cancelled += enrollments.cancel_charge(payment_id) == "canceled"
        except stripe.StripeError as exc:  # Stripe unreachable, or the account's access gone
            db.session.rollback()
            log.warning("autopay charge %s not canceled: %s", payment_id, exc)
    return cancelled


def _mark_expired(payment_id: int, status: str | None) -> int:
    """The row says expired, unless a webhook moved it on meanwhile."""
    if status != "expired":
        return 0
    db.session.execute(
        update(OnlinePayment)
        .where(OnlinePayment.id == payment_id, OnlinePayment.status == "open")
        .values(status="expired")
    )
    db.session.commit()
    return 1


def leave_copy_unconnected(origin: str) -> int:
    """In an agency restored from `origin`'s archive: the Stripe accounts it holds are the
    original's (still mapped to it), so mark them disconnected, turn autopay off, close the
    Checkout sessions and autopay charges still open, and end the payments still processing
    unconfirmed (their events reach the original only), here only: no call to Stripe, which
    would act on the original's account. In the caller's transaction; returns the accounts
    marked."""
    why = f"restored from an archive of {origin}: connect this agency's own Stripe account"
    now = utcnow()
    accounts = db.session.scalars(
        select(MerchantAccount).where(MerchantAccount.disconnected_at.is_(None))
    ).all()
    for account in accounts:
        account.disconnected_at = now
        record(
            "merchant.disconnected",
            account,
            before={"stripe_account": account.stripe_account_id},
            after={"reason": why},
            actor="restore",
        )
    turn_off_autopay("restore", why)
    db.session.execute(
        update(OnlinePayment).where(OnlinePayment.status == "open").values(status="expired")
    )
    db.session.execute(
        update(OnlinePayment)
        .where(
            OnlinePayment.source == "autopay",
            OnlinePayment.status.in_(("retrying", "requires_action")),
        )
        .values(status="cancelled", last_error=why)
    )
    restored.mark_unconfirmed(origin)
    return len(accounts)
