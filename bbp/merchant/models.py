"""Online payments through each agency's Stripe Connect account.

Two public tables map connected accounts to agencies and record Connect events (ids only, never
people); the rest live in each agency's schema: its Stripe account's state, every online payment
attempt (Checkout, pay link or autopay), pay links, saved cards for autopay, refunds, disputes
and payouts. Amounts paid through Stripe are whole cents (`*_cents`); the ledger (`payments`)
keeps dollars as NUMERIC(12, 2), converted exactly by `bbp.merchant.money`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db
from bbp.kernel.clock import utcnow


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


# ---- Platform (public schema) -------------------------------------------------------------


class ConnectedAccount(db.Model):
    """Which agency a Stripe connected account belongs to: Connect events are routed by it."""

    __tablename__ = "connected_accounts"
    __table_args__ = (
        # An agency has at most one account it takes payments through.
        Index(
            "uq_connected_accounts_tenant_active",
            "tenant_id",
            unique=True,
            postgresql_where="released_at IS NULL",
        ),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), index=True
    )
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Disconnected (by the owner, by the agency in its Stripe Dashboard, or on deletion): its
    # events are still routed to the agency, so late refunds and disputes reach the ledger.
    released_at: Mapped[datetime | None]


class ConnectEvent(db.Model):
    """A Connect webhook event already processed: its id makes it happen once."""

    __tablename__ = "connect_events"
    __table_args__ = {"schema": "public"}

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]  # when Stripe made the event
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime]


# ---- The agency's (tenant schema) ---------------------------------------------------------


class MerchantAccount(db.Model):
    """The agency's Stripe account as last read from Stripe (one row, or none before connecting)."""

    __tablename__ = "merchant_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stripe's requirements.currently_due / past_due / eventually_due field names.
    currently_due: Mapped[list[str]] = mapped_column(JSONB, default=list)
    past_due: Mapped[list[str]] = mapped_column(JSONB, default=list)
    eventually_due: Mapped[list[str]] = mapped_column(JSONB, default=list)
    disabled_reason: Mapped[str | None] = mapped_column(String(100))
    current_deadline: Mapped[datetime | None]
    connected_at: Mapped[datetime] = mapped_column(server_default=func.now())
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disconnected_at: Mapped[datetime | None]
    synced_at: Mapped[datetime | None]


SOURCES = ("portal", "pay_link", "autopay")
MODES = ("payment", "setup")
# open: a Checkout session waits for the payer; processing: Stripe has the payment and its
# webhook has not confirmed it yet; retrying: autopay failed and tries again on next_attempt_on;
# unconfirmed: it was processing when the archive a restored copy came from was made, and its
# webhook goes to the original agency only, so the copy never confirms it (terminal: staff check
# the original's Stripe Dashboard and enter it by hand; docs/payments-connect.md).
STATUSES = (
    "open",
    "processing",
    "retrying",
    "requires_action",
    "succeeded",
    "failed",
    "expired",
    "cancelled",
    "unconfirmed",
)
IN_FLIGHT = ("open", "processing")


class OnlinePayment(db.Model):
    """One attempt to take money (or save a card) online: a Checkout session, or autopay's
    PaymentIntent for one installment. It enters the ledger (`payment_id`) only when a webhook
    confirms it."""

    __tablename__ = "online_payments"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(_in("mode", MODES), name="mode"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount"),
        CheckConstraint("application_fee_cents >= 0", name="application_fee"),
        # Nobody pays twice: one payment in flight per bond, across portal, pay links, autopay.
        Index(
            "uq_online_payments_in_flight",
            "bond_id",
            unique=True,
            postgresql_where="status IN ('open', 'processing')",
        ),
        # One PaymentIntent per installment for autopay, whatever the retries.
        Index(
            "uq_online_payments_autopay_instalment",
            "instalment_id",
            unique=True,
            postgresql_where="source = 'autopay'",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10), default="payment")
    status: Mapped[str] = mapped_column(String(16), default="open")
    amount_cents: Mapped[int | None]  # None for a card saved without a payment
    application_fee_cents: Mapped[int] = mapped_column(default=0)
    stripe_account_id: Mapped[str] = mapped_column(String(64))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Who pays: {"kind": "defendant"|"cosigner", "id": n} (portal, autopay) or None (pay link).
    payer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    receipt_to: Mapped[str] = mapped_column(String(254), default="")  # phone or email
    pay_link_id: Mapped[int | None] = mapped_column(ForeignKey("pay_links.id"))
    instalment_id: Mapped[int | None] = mapped_column(
        ForeignKey("instalments.id", ondelete="SET NULL")
    )
    autopay_id: Mapped[int | None] = mapped_column(ForeignKey("autopay_enrollments.id"))
    save_card: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    # How often the current attempt was taken again after an interruption (capped).
    resumes: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_on: Mapped[date | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    # The card Stripe charged (its latest charge's payment_method_details), once entered.
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The app's clock (frozen in tests): autopay takes over a `processing` row by its age.
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), default=utcnow, onupdate=utcnow
    )


class PayLink(db.Model):
    """A text-to-pay link staff sent: signed, expiring, for an amount or the amount due."""

    __tablename__ = "pay_links"
    __table_args__ = (CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id"), index=True)
    amount_cents: Mapped[int | None]  # None: whatever is due when it is opened
    due_cents_when_sent: Mapped[int | None]  # for an amount-due link: what was due then
    sent_to: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # {"kind", "id"}
    reason: Mapped[str] = mapped_column(String(30), default="staff")  # staff | autopay_failed
    # autopay_failed: the installment it pays (priced at what is left of it when opened).
    instalment_id: Mapped[int | None] = mapped_column(
        ForeignKey("instalments.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]  # the first time the payer opened it, while it worked


class AutopayEnrollment(db.Model):
    """A payer's saved card and their authorization to charge it for a bond's installments."""

    __tablename__ = "autopay_enrollments"
    __table_args__ = (
        Index(
            "uq_autopay_enrollments_active",
            "bond_id",
            unique=True,
            postgresql_where="turned_off_at IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id"), index=True)
    payer: Mapped[dict[str, Any]] = mapped_column(JSONB)  # {"kind", "id"}
    payer_name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str] = mapped_column(String(254), default="")  # where its texts go
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(255))
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_exp_month: Mapped[int | None]
    card_exp_year: Mapped[int | None]
    # The authorization the payer agreed to, kept like the ESIGN consent: its SHA-256.
    authorization_sha256: Mapped[str] = mapped_column(String(64))
    authorized_at: Mapped[datetime]
    authorized_ip: Mapped[str | None] = mapped_column(String(64))
    authorized_user_agent: Mapped[str | None] = mapped_column(String(400))
    # Each agreement's own id: a saved card turns autopay on only under the current one.
    authorization_id: Mapped[str | None] = mapped_column(String(32))
    setup_session_id: Mapped[str | None] = mapped_column(String(255))  # the current one's
    # The Checkout session whose card autopay charges: a setup session, or the payment that
    # kept its card (`online_payments.checkout_session_id`); written when Stripe confirms it.
    card_session_id: Mapped[str | None] = mapped_column(String(255))
    active_since: Mapped[datetime | None]  # once Stripe confirmed the card was saved
    turned_off_at: Mapped[datetime | None]
    turned_off_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Refund(db.Model):
    """A refund staff asked Stripe for; it enters the ledger when Stripe confirms it."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    online_payment_id: Mapped[int] = mapped_column(ForeignKey("online_payments.id"), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(24), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    failure: Mapped[str] = mapped_column(Text, default="")  # Stripe's refusal or failure_reason
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Dispute(db.Model):
    """A chargeback on an online payment, flagged on its bond until it is closed."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    online_payment_id: Mapped[int | None] = mapped_column(ForeignKey("online_payments.id"))
    bond_id: Mapped[int | None] = mapped_column(ForeignKey("bonds.id"), index=True)
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(40))
    evidence_due_by: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Payout(db.Model):
    """A payout from the agency's Stripe balance to its bank, with what it paid out."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_payout_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The account it paid out of (None: read before this was kept; refresh then finds it).
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(20))
    arrival_date: Mapped[date | None]
    created: Mapped[datetime] = mapped_column(index=True)
    lines_synced_at: Mapped[datetime | None]
    failure_message: Mapped[str] = mapped_column(Text, default="")


class PayoutLine(db.Model):
    """One balance transaction in a payout (a payment, a refund, a fee, a dispute...)."""

    __tablename__ = "payout_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    balance_transaction_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int]
    fee_cents: Mapped[int]
    net_cents: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    online_payment_id: Mapped[int | None] = mapped_column(ForeignKey("online_payments.id"))
    created: Mapped[datetime]
    # The charge, refund or dispute it moved money for, and that object's PaymentIntent: what
    # matches the line to a receipt on the payouts page.
    source_id: Mapped[str | None] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
