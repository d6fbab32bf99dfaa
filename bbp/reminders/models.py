"""One row per reminder owed: court date x phone x offset, for one court time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.courts.models import CourtDate
from bbp.extensions import db

STATUSES = ("pending", "sent", "skipped", "cancelled")


class Reminder(db.Model):
    """A text the agency owes someone before a court date."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'skipped', 'cancelled')", name="status"),
        # The same reminder for the same court time can only exist once.
        UniqueConstraint(
            "court_date_id", "phone", "offset_key", "for_starts_at", name="uq_reminders_once"
        ),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    court_date_id: Mapped[int] = mapped_column(
        ForeignKey("court_dates.id", ondelete="CASCADE"), index=True
    )
    for_starts_at: Mapped[datetime]
    phone: Mapped[str] = mapped_column(String(20))
    defendant_id: Mapped[int | None] = mapped_column(
        ForeignKey("defendants.id", ondelete="SET NULL")
    )
    indemnitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("indemnitors.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="en")
    offset_key: Mapped[str] = mapped_column(String(12))
    due_at: Mapped[datetime]
    useful_until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    court_date: Mapped[CourtDate] = relationship(lazy="joined")
