"""Court dates and forfeitures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.bonds.models import Bond
from bbp.extensions import db

KINDS = ("arraignment", "hearing", "pretrial", "trial", "sentencing", "other")
OUTCOMES = ("appeared", "continued", "failed_to_appear")


class CourtDate(db.Model):
    """One appearance the defendant must make."""

    __tablename__ = "court_dates"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('appeared', 'continued', 'failed_to_appear')",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    court_name: Mapped[str] = mapped_column(String(120), default="")
    courtroom: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="hearing")
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_recorded_at: Mapped[datetime | None]
    continued_to_id: Mapped[int | None] = mapped_column(ForeignKey("court_dates.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    bond: Mapped[Bond] = relationship(lazy="joined")


class Forfeiture(db.Model):
    """A forfeiture declared after a failure to appear; deadlines follow the state rules."""

    __tablename__ = "forfeitures"

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"), index=True)
    court_date_id: Mapped[int | None] = mapped_column(ForeignKey("court_dates.id"))
    forfeited_on: Mapped[date]
    notice_mailed_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(2), default="")
    resolved_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    bond: Mapped[Bond] = relationship(lazy="joined")
