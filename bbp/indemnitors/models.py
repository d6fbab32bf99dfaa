"""Indemnitors (shown as cosigners): people who guarantee a bond."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db, trigram_indexes

HOUSING = ("own", "rent", "other")


class Indemnitor(db.Model):
    """A cosigner, liable for the full bond amount plus costs of every bond they sign."""

    __tablename__ = "indemnitors"
    __table_args__ = (
        CheckConstraint("housing IN ('own', 'rent', 'other', '')", name="housing"),
        Index("ix_indemnitors_name", "last_name", "first_name"),
        *trigram_indexes("indemnitors", "first_name", "last_name", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits only
    email: Mapped[str] = mapped_column(String(254), default="")
    address_line1: Mapped[str] = mapped_column(String(120), default="")
    address_line2: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    housing: Mapped[str] = mapped_column(String(8), default="")
    employer: Mapped[str] = mapped_column(String(120), default="")
    employer_phone: Mapped[str] = mapped_column(String(20), default="")
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
