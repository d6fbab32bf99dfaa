"""Signature requests and their hash-chained evidence log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.extensions import db

STATUSES = ("sent", "viewed", "signed", "declined", "expired", "cancelled")
# What people read; the stored value keeps its old spelling.
STATUS_LABELS = {s: s.capitalize() for s in STATUSES} | {"cancelled": "Canceled"}
OPEN = ("sent", "viewed")
CHANNELS = ("sms", "email", "both")


class SignatureRequest(db.Model):
    """One document sent to one signer: the frozen text, the files and their hashes."""

    __tablename__ = "signature_requests"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", "status"),
        CheckConstraint("channel IN ('sms', 'email', 'both')", "channel"),
        CheckConstraint("num_nonnulls(defendant_id, indemnitor_id) = 1", name="one_signer"),
        Index("ix_signature_requests_bond_id", "bond_id"),
        Index("ix_signature_requests_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bond_id: Mapped[int] = mapped_column(ForeignKey("bonds.id", ondelete="CASCADE"))
    template_kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # the rendered text, frozen when sent
    defendant_id: Mapped[int | None] = mapped_column(ForeignKey("defendants.id"))
    indemnitor_id: Mapped[int | None] = mapped_column(ForeignKey("indemnitors.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_role: Mapped[str] = mapped_column(String(20))  # "defendant" or "cosigner"
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164, where it was texted
    email: Mapped[str] = mapped_column(String(254), default="")
    channel: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10), default="sent")
    nonce: Mapped[str] = mapped_column(String(32))  # in the link; a new one voids older links
    document_key: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(String(64))
    signed_key: Mapped[str | None] = mapped_column(String(200))
    signed_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    consent_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_kind: Mapped[str | None] = mapped_column(String(8))  # "typed" or "drawn"
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime]
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    viewed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    events: Mapped[list[SignatureEvent]] = relationship(
        order_by="SignatureEvent.seq", back_populates="request", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def person(self) -> dict[str, Any]:
        if self.defendant_id is not None:
            return {"kind": "defendant", "id": self.defendant_id}
        return {"kind": "cosigner", "id": self.indemnitor_id}


class SignatureEvent(db.Model):
    """One step of a request's story; each row's hash covers the previous row's hash."""

    __tablename__ = "signature_events"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("signature_requests.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    request: Mapped[SignatureRequest] = relationship(back_populates="events")
