"""Plans and each agency's billing row (public schema: ids and dates, never people)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.extensions import db

# Per-text overage is in cents with four decimals: texts cost fractions of a cent (1.5¢), and
# Stripe's unit_amount_decimal takes them (docs/billing.md, "Plans").
OVERAGE = Numeric(10, 4)


class Plan(db.Model):
    """A plan agencies subscribe to; its Stripe price is replaced, never edited, on a change."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("monthly_price_cents >= 0", name="monthly_price"),
        CheckConstraint("included_seats >= 1", name="included_seats"),
        CheckConstraint("included_texts >= 0", name="included_texts"),
        CheckConstraint("text_overage_cents >= 0", name="text_overage"),
        CheckConstraint("trial_days BETWEEN 0 AND 730", name="trial_days"),
        CheckConstraint("application_fee_bps BETWEEN 0 AND 2000", name="application_fee_bps"),
        CheckConstraint("application_fee_cents BETWEEN 0 AND 1000", name="application_fee_cents"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    monthly_price_cents: Mapped[int]
    included_seats: Mapped[int]
    included_texts: Mapped[int]
    text_overage_cents: Mapped[Decimal] = mapped_column(OVERAGE)
    trial_days: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stripe_product_id: Mapped[str | None] = mapped_column(String(64))
    stripe_price_id: Mapped[str | None] = mapped_column(String(64))
    # The metered Price for texts beyond the included ones (replaced, like the monthly one).
    stripe_overage_price_id: Mapped[str | None] = mapped_column(String(64))
    # The platform's fee on each online payment an agency on this plan takes: basis points of
    # the amount plus a fixed number of cents (docs/payments.md, "The platform's fee").
    application_fee_bps: Mapped[int] = mapped_column(default=0, server_default="0")
    application_fee_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# Stripe's subscription statuses in words (the console's badges and the platform audit log).
SUBSCRIPTION_LABELS = {
    "trialing": "Trial",
    "active": "Active",
    "past_due": "Past due",
    "unpaid": "Unpaid",
    "canceled": "Canceled",
    "incomplete": "Incomplete",
    "incomplete_expired": "Incomplete, expired",
    "paused": "Paused",
}


class BillingAccount(db.Model):
    """An agency's plan and Stripe ids; the price it pays stays until it is moved."""

    __tablename__ = "billing_accounts"
    __table_args__ = {"schema": "public"}

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("public.plans.id"), index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The price this agency pays, which may be one its plan has since replaced.
    stripe_price_id: Mapped[str | None] = mapped_column(String(64))
    # That price's monthly amount, written with its id: the console's MRR reads it from here,
    # not from Stripe (NULL only for rows older than this column on a replaced price).
    price_cents: Mapped[int | None]
    # The metered texts Price on its subscription; None: texts are not metered for it.
    stripe_overage_price_id: Mapped[str | None] = mapped_column(String(64))
    # Texts sent before this moment are in the ledger (or were none): the reporting cursor.
    texts_metered_through: Mapped[datetime | None]
    # Which subscription of the agency this is: a returning agency's next one is opened under
    # its own idempotency keys, never answered with the one that ended.
    subscription_number: Mapped[int] = mapped_column(default=1, server_default="1")
    subscription_status: Mapped[str | None] = mapped_column(String(24))
    trial_ends_at: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    # The end of a 100%-off comp from the console (docs/billing.md, "The console").
    comped_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    plan: Mapped[Plan] = relationship(lazy="joined")


class StripeEvent(db.Model):
    """A Stripe webhook event already processed: its id is the key that makes it happen once."""

    __tablename__ = "stripe_events"
    __table_args__ = {"schema": "public"}

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]  # when Stripe made the event
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime]


class BillingMeter(db.Model):
    """A Stripe Billing Meter the platform reports to, by its event name."""

    __tablename__ = "billing_meters"
    __table_args__ = {"schema": "public"}

    event_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    stripe_meter_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TextUsageReport(db.Model):
    """One agency's sent text segments in one closed interval, and whether Stripe has them.

    The row is written before the meter event is sent (state `pending`) and marked `reported`
    once Stripe took it or refused it as a duplicate; `expired` intervals were too old for
    Stripe's window and are never sent (docs/billing.md, "Metered texts")."""

    __tablename__ = "text_usage_reports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "interval_start"),
        CheckConstraint("segments > 0", name="segments"),
        CheckConstraint("state IN ('pending', 'reported', 'expired')", name="state"),
        Index("ix_text_usage_reports_pending", "tenant_id", postgresql_where="state = 'pending'"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("public.tenants.id", ondelete="CASCADE"))
    interval_start: Mapped[datetime]
    segments: Mapped[int]
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    first_sent_at: Mapped[datetime | None]  # the first attempt: Stripe may hold it from then
    reported_at: Mapped[datetime | None]
