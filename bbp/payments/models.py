"""The payments ledger and payment plans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.bonds.models import Bond
from bbp.extensions import db

KINDS = ("premium", "fee", "collateral_cash", "refund")
METHODS = ("cash", "check", "card_terminal", "money_order")  # what the office takes
ONLINE = "card_online"  # paid through the agency's Stripe account, entered by its webhook


class Payment(db.Model):
    """One ledger entry with a receipt number that is never reused, even when voided."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("kind IN ('premium', 'fee', 'collateral_cash', 'refund')", name="kind"),
        CheckConstraint(
            "method IN ('cash', 'check', 'card_terminal', 'money_order', 'card_online')",
            name="method",
        ),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id"), index=True)
    receipt_number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reference: Mapped[str] = mapped_column(String(60), default="")
    payer_name: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # The Stripe PaymentIntent or Refund an online entry stands for: each enters once.
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)

    bond: Mapped[Bond] = relationship(lazy="joined")

    @property
    def signed_amount(self) -> Decimal:
        """Amount as it counts toward the premium balance (refunds subtract)."""
        return -self.amount if self.kind == "refund" else self.amount


class PaymentPlan(db.Model):
    """How the premium and fees of a bond are paid: a down payment and instalments."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), unique=True)
    down_payment: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    notes: Mapped[str] = mapped_column(Text, default="")

    instalments: Mapped[list[Instalment]] = relationship(
        order_by="Instalment.due_on", cascade="all, delete-orphan"
    )


class Instalment(db.Model):
    """One scheduled payment of a plan."""

    __tablename__ = "instalments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("payment_plans.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
