"""Collateral held against bonds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.bonds.models import Bond
from bbp.extensions import db

KINDS = ("cash", "real_estate", "vehicle", "jewellery", "other")
# What people read for each stored kind ("jewellery" is the stored value, not the word shown).
KIND_LABELS = {
    "cash": "Cash",
    "real_estate": "Real estate",
    "vehicle": "Vehicle",
    "jewellery": "Jewelry",
    "other": "Other",
}


class Collateral(db.Model):
    """Something of value held until the bond is discharged, then returned."""

    __tablename__ = "collateral"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('cash', 'real_estate', 'vehicle', 'jewellery', 'other')", name="kind"
        ),
        CheckConstraint("value >= 0", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id"), index=True)
    receipt_number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    pledged_by: Mapped[str] = mapped_column(String(120), default="")
    received_at: Mapped[datetime]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_due_on: Mapped[date | None]
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_to: Mapped[str] = mapped_column(String(120), default="")

    bond: Mapped[Bond] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def held(self) -> bool:
        return self.returned_at is None
