"""Agency archives (public schema): ids, progress, sizes and checksums, never agency data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db

ARCHIVE_STATUSES = ("queued", "running", "ready", "failed", "expired")


class AgencyArchive(db.Model):
    """One export of an agency: where it stands and what it holds, counted but never shown."""

    __tablename__ = "agency_archives"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'expired')", name="status"
        ),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(120), default="Waiting for a worker")
    error: Mapped[str | None] = mapped_column(String(500))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    schema_revision: Mapped[str | None] = mapped_column(String(32))
    table_count: Mapped[int | None]
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    file_count: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        """Queued or running: pages showing it keep polling."""
        return self.status in ("queued", "running")
