"""Bonds, their charges, their cosigners and their status history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.defendants.models import Defendant
from bbp.extensions import db, trigram_indexes
from bbp.indemnitors.models import Indemnitor

if TYPE_CHECKING:
    from bbp.powers.models import Power

STATUSES = (
    "quote",
    "application",
    "written",
    "active",
    "exonerated",
    "forfeited",
    "reinstated",
    "remitted",
    "judgment_paid",
    "surrendered",
    "cancelled",
)
STATUS_LABELS = {
    "quote": "Quote",
    "application": "Application",
    "written": "Written (posted)",
    "active": "Active",
    "exonerated": "Exonerated",
    "forfeited": "Forfeited",
    "reinstated": "Reinstated",
    "remitted": "Remitted",
    "judgment_paid": "Judgment paid",
    "surrendered": "Surrendered",
    "cancelled": "Canceled / void",
}
# Statuses in which the surety is still on the hook for the bail amount.
LIABLE = ("written", "active", "forfeited", "reinstated")
# Statuses in which the premium is owed (earned once written, whatever happened since).
COLLECTABLE = (*LIABLE, "surrendered", "exonerated", "remitted", "judgment_paid")
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)
DEGREES = ("misdemeanor", "felony")


class Bond(db.Model):
    """One bail bond written (or quoted) for one defendant."""

    __tablename__ = "bonds"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
        CheckConstraint("bail_amount >= 0", name="bail_amount"),
        Index("ix_bonds_status", "status"),
        *trigram_indexes("bonds", "number", "case_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    defendant_id: Mapped[int] = mapped_column(ForeignKey("defendants.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="quote")
    case_number: Mapped[str] = mapped_column(String(60), default="")
    court_name: Mapped[str] = mapped_column(String(120), default="")
    county: Mapped[str] = mapped_column(String(80), default="")
    bail_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    bail_override_reason: Mapped[str | None] = mapped_column(Text)
    premium: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    fees: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    premium_breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    premium_term: Mapped[str] = mapped_column(String(12), default="full_term")
    premium_years: Mapped[int] = mapped_column(default=1, server_default="1")
    surety_id: Mapped[int | None] = mapped_column(ForeignKey("sureties.id"), index=True)
    power_id: Mapped[int | None] = mapped_column(ForeignKey("powers.id"), unique=True)
    buf_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    writing_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime | None]
    discharged_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    defendant: Mapped[Defendant] = relationship(lazy="joined")
    charges: Mapped[list[Charge]] = relationship(
        back_populates="bond", order_by="Charge.position", cascade="all, delete-orphan"
    )
    cosigners: Mapped[list[BondIndemnitor]] = relationship(
        back_populates="bond", cascade="all, delete-orphan"
    )
    history: Mapped[list[BondStatusChange]] = relationship(
        back_populates="bond", order_by="BondStatusChange.id"
    )
    power: Mapped[Power | None] = relationship("Power")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def power_number(self) -> str | None:
        return self.power.number if self.power else None

    @property
    def total_due(self) -> Decimal:
        return self.premium + self.fees


class Charge(db.Model):
    """One charge on a bond, with its own bail amount."""

    __tablename__ = "charges"
    __table_args__ = (
        CheckConstraint("degree IN ('misdemeanor', 'felony')", name="degree"),
        CheckConstraint("bail_amount > 0", name="bail_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(200))
    statute: Mapped[str] = mapped_column(String(60), default="")
    degree: Mapped[str] = mapped_column(String(12), default="misdemeanor")
    bail_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    bond: Mapped[Bond] = relationship(back_populates="charges")


class BondIndemnitor(db.Model):
    """A cosigner on a bond, with their relationship to the defendant."""

    __tablename__ = "bond_indemnitors"

    bond_id: Mapped[int] = mapped_column(
        ForeignKey("bonds.id", ondelete="CASCADE"), primary_key=True
    )
    indemnitor_id: Mapped[int] = mapped_column(
        ForeignKey("indemnitors.id"), primary_key=True, index=True
    )
    relationship_to_defendant: Mapped[str] = mapped_column(String(60), default="")

    bond: Mapped[Bond] = relationship(back_populates="cosigners")
    indemnitor: Mapped[Indemnitor] = relationship(lazy="joined")


class BondStatusChange(db.Model):
    """Who moved a bond from one status to another, when and why."""

    __tablename__ = "bond_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_label: Mapped[str] = mapped_column(String(254))
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    bond: Mapped[Bond] = relationship(back_populates="history")


class BondNote(db.Model):
    """A note on a bond's timeline (calls, visits, anything worth remembering)."""

    __tablename__ = "bond_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
