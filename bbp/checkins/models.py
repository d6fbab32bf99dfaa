"""Check-in schedules and the check-ins they open."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.defendants.models import Defendant
from bbp.extensions import db

STATUSES = ("pending", "done", "missed")
METHODS = ("plain", "gps")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CheckInSchedule(db.Model):
    """When a defendant must check in: a weekday, or every N days, at a local time of day."""

    __tablename__ = "check_in_schedules"
    __table_args__ = (
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("every_days BETWEEN 1 AND 90", name="every_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    defendant_id: Mapped[int] = mapped_column(
        ForeignKey("defendants.id", ondelete="CASCADE"), unique=True
    )
    weekday: Mapped[int | None]  # 0 = Monday; None: every `every_days` days from starts_at
    every_days: Mapped[int] = mapped_column(default=7)
    time_of_day: Mapped[time]  # wall-clock time in the agency's zone
    # When the current rule took effect: no check-in is due before it, and "every N days"
    # counts from its local date.
    starts_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    defendant: Mapped[Defendant] = relationship(lazy="joined")

    @property
    def description(self) -> str:
        """How staff read the rule, e.g. "Every Tuesday at 9:00 AM"."""
        at = self.time_of_day.strftime("%-I:%M %p")
        if self.weekday is not None:
            return f"Every {WEEKDAYS[self.weekday]} at {at}"
        if self.every_days == 1:
            return f"Every day at {at}"
        return f"Every {self.every_days} days at {at}"

    def occurs_on(self, day: date, first_day: date) -> bool:
        """Whether the rule asks for a check-in on this local date."""
        if day < first_day:
            return False
        if self.weekday is not None:
            return day.weekday() == self.weekday
        return (day - first_day).days % self.every_days == 0

    def due_times(self, start: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
        """Due times in [start, end) at wall-clock time in `zone`, none before the rule began."""
        first_day = self.starts_at.astimezone(zone).date()
        day, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
        found = []
        while day <= last:
            at = datetime.combine(day, self.time_of_day, zone)
            if self.occurs_on(day, first_day) and max(start, self.starts_at) <= at < end:
                found.append(at)
            day += timedelta(days=1)
        return found


class CheckIn(db.Model):
    """One check-in the defendant owes: texted as a link, then done or missed."""

    __tablename__ = "check_ins"
    __table_args__ = (
        # The database, not the scheduler, guarantees one check-in per schedule and due time.
        UniqueConstraint("schedule_id", "due_at", name="uq_check_ins_schedule_due"),
        CheckConstraint("status IN ('pending', 'done', 'missed')", name="status"),
        CheckConstraint("method IS NULL OR method IN ('plain', 'gps')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    defendant_id: Mapped[int] = mapped_column(
        ForeignKey("defendants.id", ondelete="CASCADE"), index=True
    )
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("check_in_schedules.id", ondelete="CASCADE")
    )
    due_at: Mapped[datetime] = mapped_column(index=True)
    # Random, and cleared once the link is used or the check-in is missed: links are single-use.
    token_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    sent_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    checked_in_at: Mapped[datetime | None]
    method: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    accuracy_m: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    defendant: Mapped[Defendant] = relationship(lazy="joined")

    @property
    def location_text(self) -> str:
        """Where a GPS check-in was made, as "lat, lon ±accuracy m" (no map needed)."""
        if self.latitude is None or self.longitude is None:
            return ""
        accuracy = f" ±{self.accuracy_m} m" if self.accuracy_m is not None else ""
        return f"{self.latitude:.6f}, {self.longitude:.6f}{accuracy}"
