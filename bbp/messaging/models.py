"""Every text in and out is a row; opt-outs are per phone number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db
from bbp.messaging.redact import label, shown

STATUSES = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "opted_out",
    "skipped",
    "received",
)
# The order a status callback may move a message forward in (never backward).
PROGRESS = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "opted_out": 3,
    "skipped": 3,
    "received": 3,
}


class Message(db.Model):
    """One SMS, outgoing or incoming, with its delivery story."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('out', 'in')", name="direction"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
        Index("ix_messages_bond_id", "bond_id"),
        Index("ix_messages_defendant_id", "defendant_id"),
        Index("ix_messages_status", "status"),
        Index("ix_messages_send_by", "status", "send_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), default="out")
    phone: Mapped[str] = mapped_column(String(20))  # the other party, E.164
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32), default="one_off")
    bond_id: Mapped[int | None] = mapped_column(ForeignKey("bonds.id", ondelete="SET NULL"))
    defendant_id: Mapped[int | None] = mapped_column(
        ForeignKey("defendants.id", ondelete="SET NULL")
    )
    indemnitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("indemnitors.id", ondelete="SET NULL")
    )
    # Unique per logical text (e.g. reminder for court date 12, phone X, offset 3d): the database,
    # not Redis, is what prevents a duplicate.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(default=1)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the text stops being useful (a reminder once the next is due, a code once it
    # expires): still queued then, it is skipped with the reason. None: it never goes stale.
    useful_until: Mapped[datetime | None]
    # The order texts wait for a busy sender in: useful_until, or soon after queueing by purpose.
    send_by: Mapped[datetime | None]
    # Held until then (a receipt confirmed in the agency's quiet hours): written with what owes
    # it, sent by the first drain after. None: it may go at once.
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def shown_body(self) -> str:
        """The body as staff may read it: sign-in codes and portal link tokens masked."""
        return shown(self.purpose, self.body)

    @property
    def purpose_label(self) -> str:
        """What the text was for, in words ("Court reminder")."""
        return label(self.purpose)


class OptOut(db.Model):
    """A phone number that texted STOP to this agency (START removes the row)."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    keyword: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


EMAIL_STATUSES = ("queued", "sending", "sent", "failed")


class Email(db.Model):
    """One email owed by an event, written in the event's transaction (`messaging.emails`)."""

    __tablename__ = "emails"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in EMAIL_STATUSES) + ")", name="status"
        ),
        Index(
            "ix_emails_waiting",
            "next_attempt_at",
            postgresql_where="status IN ('queued', 'sending')",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32))
    # One row per logical email (a receipt, a notice to one owner): a retried event adds none.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The earliest moment it may go: its commit, or the end of the backoff after a failure.
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    sent_at: Mapped[datetime | None]
