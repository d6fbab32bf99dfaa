"""Sureties and their powers of attorney."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.extensions import db

POWER_STATUSES = ("available", "assigned", "executed", "voided", "returned", "expired")


class Surety(db.Model):
    """An insurance company whose powers back the agency's bonds."""

    __tablename__ = "sureties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Build-up fund: the share of each premium the agency sets aside for this surety.
    buf_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PowerBatch(db.Model):
    """A numbered set of powers received from a surety."""

    __tablename__ = "power_batches"
    __table_args__ = (CheckConstraint("last_serial >= first_serial", name="serial_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    surety_id: Mapped[int] = mapped_column(ForeignKey("sureties.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    denomination: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    expires_on: Mapped[date]
    received_on: Mapped[date] = mapped_column(server_default=func.current_date())

    surety: Mapped[Surety] = relationship(lazy="joined")


class Power(db.Model):
    """One power of attorney: backs at most one bond up to its denomination."""

    __tablename__ = "powers"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in POWER_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("power_batches.id"), index=True)
    surety_id: Mapped[int] = mapped_column(ForeignKey("sureties.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    denomination: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    expires_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="available", index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None]

    surety: Mapped[Surety] = relationship(lazy="joined")
