"""Paying through Stripe-hosted Checkout: from the portal and from texted pay links.

`start` opens a Checkout session as a direct charge on the agency's own Stripe account, with the
platform's application fee, after writing its `online_payments` row (status open). The partial
unique index on that table lets one payment be open or processing per bond, so nobody pays
twice: an open session of the bond's is expired through the API first, and one that completed
meanwhile turns the answer into "processing". Nothing here enters the ledger; the Connect
webhooks do (`HANDLES`, and `bbp.merchant.confirm`), whatever order their events come in.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.clock import agency_today, utcnow
from bbp.kernel.errors import DomainError
from bbp.merchant import confirm, fees, ownership
from bbp.merchant.models import IN_FLIGHT, MerchantAccount, OnlinePayment
from bbp.merchant.money import dollars, to_cents
from bbp.payments import services as payments
from bbp.payments.models import PaymentPlan
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)
SESSION_LIFETIME = timedelta(hours=1)  # Stripe allows 30 minutes to 24 hours
LINE_ITEM = "Premium payment — bond {number}"
MIN_CENTS = 50  # Stripe's least charge in US dollars (a smaller balance left is paid in person)
# Another payer's open Checkout is theirs for this long; after it, it counts as abandoned and
# a new payment may expire it (so a second payer cannot knock the first out mid-payment).
OTHERS_SESSION_HELD = timedelta(minutes=15)


class NotPayable(DomainError):
    """Nothing can be paid online on this bond now (the message says why)."""

    status = 409


class Processing(DomainError):
    """A payment of the bond's is with Stripe already: wait for it rather than pay twice."""

    status = 409

    def __init__(self, payment: OnlinePayment):
        super().__init__(gettext("A payment on this bond is being processed."))
        self.payment = payment


@dataclass(frozen=True)
class Payable:
    """What may be paid on a bond right now, in cents."""

    balance: int  # everything left to pay
    next_due: int  # the next amount due (overdue and due today first), never above the balance
    next_due_on: Any  # its date, or None when it is due now
    overdue: int = 0  # the part of what is due now that is past its date


def merchant_account() -> MerchantAccount | None:
    """The agency's Stripe account, if it can take charges now."""
    account = db.session.scalar(
        select(MerchantAccount)
        .where(
            MerchantAccount.disconnected_at.is_(None),
            ownership.mapped(MerchantAccount.stripe_account_id),
        )
        .limit(1)
    )
    return account if account is not None and account.charges_enabled else None


def payable(bond: Bond) -> Payable | None:
    """The balance and the next amount due, or None when nothing is owed."""
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    standing = payments.standing(bond, plan, agency_today())
    balance = _cents(standing.balance)
    if balance <= 0 or bond.status in ("quote", "cancelled"):
        return None
    if standing.due_now > 0:
        due, due_on = standing.due_now, None
    else:
        due, due_on = standing.next_due_amount, standing.next_due_on
    overdue = min(_cents(standing.overdue), balance)
    return Payable(balance, min(_cents(due), balance) or balance, due_on, overdue)


def _cents(amount: Decimal) -> int:
    return to_cents(amount.quantize(Decimal("0.01")))


def in_flight(bond: Bond) -> OnlinePayment | None:
    """The bond's payment that is open or processing, if any (at most one: the index)."""
    return db.session.scalar(
        select(OnlinePayment).where(
            OnlinePayment.bond_id == bond.id, OnlinePayment.status.in_(IN_FLIGHT)
        )
    )


def processing(bond: Bond) -> OnlinePayment | None:
    """The bond's payment Stripe has and no webhook has confirmed yet."""
    row = in_flight(bond)
    return row if row is not None and row.status == "processing" else None


@dataclass(frozen=True)
class Payer:
    """Who pays and where their receipt goes."""

    ref: dict[str, Any] | None  # {"kind": "defendant" | "cosigner", "id": n}
    name: str
    receipt_to: str  # E.164 phone or email, "" for none


def start(
    bond: Bond,
    amount_cents: int,
    payer: Payer,
    *,
    source: str,
    success_url: str,
    cancel_url: str,
    pay_link_id: int | None = None,
    keep_card: KeepCard | None = None,
) -> str:
    """Open a Checkout session for `amount_cents` on the bond and return its URL (commits).
    With `keep_card`, the card is also saved for autopay (`payment_intent_data.
    setup_future_usage`, on the payer's customer; autopay's session hook turns it on).

    Refuses (NotPayable) when the agency cannot take charges, the amount is not between Stripe's
    least charge ($0.50, or the balance if smaller) and the balance, or Stripe cannot be reached;
    raises Processing when a payment of the bond's is with Stripe.
    """
    account = merchant_account()
    if account is None:
        raise NotPayable(gettext("Online payments are not available for this bond right now."))
    lock(bond)  # one start per bond at a time; the webhooks take the same lock
    owed = payable(bond)
    if owed is None:
        raise NotPayable(gettext("Nothing is left to pay on this bond."))
    if amount_cents < min(MIN_CENTS, owed.balance):
        raise NotPayable(
            gettext(
                "The smallest amount you can pay online is %(least)s.", least=dollars(MIN_CENTS)
            ),
            "amount",
        )
    if amount_cents > owed.balance:
        raise NotPayable(
            gettext(
                "The most you can pay is the balance, %(balance)s.", balance=dollars(owed.balance)
            ),
            "amount",
        )
    try:
        _clear_in_flight(bond, (payer.ref, pay_link_id))
    except stripe.StripeError as exc:  # the API is down: nothing changed, try again later
        raise _unreachable(bond, exc) from exc
    fee = fees.fee_for(amount_cents)
    row = OnlinePayment(
        bond_id=bond.id,
        source=source,
        mode="payment",
        status="open",
        amount_cents=amount_cents,
        application_fee_cents=fee,
        stripe_account_id=account.stripe_account_id,
        payer=payer.ref,
        payer_name=payer.name[:120],
        receipt_to=payer.receipt_to,
        pay_link_id=pay_link_id,
        save_card=keep_card is not None,
        autopay_id=keep_card.enrollment_id if keep_card is not None else None,
        created_at=utcnow(),  # the app's clock: OTHERS_SESSION_HELD is counted by it
    )
    db.session.add(row)
    db.session.flush()
    try:
        session = stripe_api.client().v1.checkout.sessions.create(
            _session_params(bond, row, success_url, cancel_url, keep_card),
            options={
                "stripe_account": account.stripe_account_id,
                "idempotency_key": f"bbp-checkout-{require_tenant().slug}-{row.id}",
            },
        )
    except stripe.StripeError as exc:
        raise _unreachable(bond, exc) from exc
    row.checkout_session_id = session.id
    db.session.commit()
    return session.url


def _unreachable(bond: Bond, exc: Exception) -> NotPayable:
    db.session.rollback()
    log.warning("checkout for bond %s refused by Stripe: %s", bond.id, exc)
    return NotPayable(gettext("The payment page could not be opened. Try again in a minute."))


@dataclass(frozen=True)
class KeepCard:
    """Saving the card of a payment for autopay: the enrollment waiting for it, the payer's
    Stripe customer, and the metadata naming the enrollment and its authorization."""

    enrollment_id: int
    customer: str
    metadata: dict[str, str]


def _session_params(
    bond: Bond,
    row: OnlinePayment,
    success_url: str,
    cancel_url: str,
    keep_card: KeepCard | None = None,
) -> dict:
    metadata = {
        "online_payment_id": str(row.id),
        "bond_id": str(bond.id),
        "source": row.source,
        **(keep_card.metadata if keep_card is not None else {}),
    }
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "usd",
                    "unit_amount": row.amount_cents,
                    "product_data": {"name": LINE_ITEM.format(number=bond.number)},
                },
            }
        ],
        "payment_intent_data": {
            "application_fee_amount": row.application_fee_cents,
            "metadata": metadata,
            "description": LINE_ITEM.format(number=bond.number),
        },
        "metadata": metadata,
        "client_reference_id": str(row.id),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int((utcnow() + SESSION_LIFETIME).timestamp()),
    }
    if keep_card is not None:
        params["customer"] = keep_card.customer
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
    elif "@" in row.receipt_to:
        params["customer_email"] = row.receipt_to
    return params


def _clear_in_flight(bond: Bond, who: tuple) -> None:
    """Make room for a new payment: expire the bond's open session through the API; if it
    completed meanwhile (or is processing), the payer waits for it instead (Processing). `who`
    (payer, pay link) may expire only its own session, or another's it abandoned."""
    row = in_flight(bond)
    if row is None:
        return
    if row.status == "processing":
        raise Processing(row)
    if row.checkout_session_id is None:  # autopay's or a setup row: not ours to expire
        raise Processing(row)
    mine = (row.payer, row.pay_link_id) == who
    if not mine and row.created_at > utcnow() - OTHERS_SESSION_HELD:
        raise Processing(row)
    options = {"stripe_account": row.stripe_account_id}
    sessions = stripe_api.client().v1.checkout.sessions
    with suppress(stripe.InvalidRequestError):  # no longer open: read what it became below
        sessions.expire(
            row.checkout_session_id,
            options={**options, "idempotency_key": f"bbp-expire-{row.checkout_session_id}"},
        )
    session = sessions.retrieve(row.checkout_session_id, options=options)
    if session.status == "complete":
        row.status = "processing"  # the webhook enters it; the payer must not pay again
        db.session.commit()
        raise Processing(row)
    row.status = "expired"
    db.session.flush()


def mark_returned(row: OnlinePayment) -> OnlinePayment:
    """The payer came back from Checkout: if Stripe says the session completed, show the payment
    as processing until its webhook confirms it (nothing enters the ledger here)."""
    if row.status != "open" or row.checkout_session_id is None:
        return row
    session = stripe_api.client().v1.checkout.sessions.retrieve(
        row.checkout_session_id, options={"stripe_account": row.stripe_account_id}
    )
    if session.status == "complete":
        lock(db.session.get(Bond, row.bond_id))
        db.session.refresh(row)
        if row.status == "open":
            row.status = "processing"
        db.session.commit()
    return row


# ---- Connect webhooks ----------------------------------------------------------------------


def _on_session(event: stripe.Event, account: str):
    """A Checkout session completed, paid later, failed to pay, or expired: read it as it is now
    and settle its payment."""
    session_id = event.data.object.id
    session = stripe_api.client().v1.checkout.sessions.retrieve(
        session_id, options={"stripe_account": account}
    )
    return confirm.settle_session(session, account)


HANDLES = {
    "checkout.session.completed": _on_session,
    "checkout.session.async_payment_succeeded": _on_session,
    "checkout.session.async_payment_failed": _on_session,
    "checkout.session.expired": _on_session,
    "payment_intent.succeeded": confirm.on_payment_intent,
    "payment_intent.payment_failed": confirm.on_payment_intent,
    "payment_intent.processing": confirm.on_payment_intent,
}
