"""Per-agency document templates, and documents requested from (and uploaded by) people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db

TEMPLATE_KINDS = ("application", "indemnity", "premium_agreement", "collateral_receipt")
DOC_TYPES = ("photo_id", "proof_of_income", "proof_of_address", "court_papers", "other")
REQUEST_STATUSES = ("requested", "received", "cancelled")
REQUEST_STATUS_WORDS = {"requested": "requested", "received": "received", "cancelled": "canceled"}


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", column)


class DocumentTemplate(db.Model):
    """An agency's wording of one standard document; absent rows mean the standard text."""

    __tablename__ = "document_templates"
    __table_args__ = (_one_of("kind", TEMPLATE_KINDS),)

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # with {{ variables }}, see bbp.documents.variables
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class DocumentRequest(db.Model):
    """A document the agency asked a defendant or cosigner for, and the file they sent back."""

    __tablename__ = "document_requests"
    __table_args__ = (
        _one_of("doc_type", DOC_TYPES),
        _one_of("status", REQUEST_STATUSES),
        CheckConstraint("num_nonnulls(defendant_id, indemnitor_id) = 1", name="one_person"),
        Index("ix_document_requests_defendant_id", "defendant_id"),
        Index("ix_document_requests_indemnitor_id", "indemnitor_id"),
        Index("ix_document_requests_bond_id", "bond_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    defendant_id: Mapped[int | None] = mapped_column(
        ForeignKey("defendants.id", ondelete="CASCADE")
    )
    indemnitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("indemnitors.id", ondelete="CASCADE")
    )
    bond_id: Mapped[int | None] = mapped_column(ForeignKey("bonds.id", ondelete="SET NULL"))
    doc_type: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="requested")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    storage_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None]
