"""Audit entries: one table per tenant schema, and one for the platform in public."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, String, Text, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db

# A trigger, not just application discipline, keeps the log append-only.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION bbp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END $$
"""
APPEND_ONLY_TRIGGER = (
    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION bbp_append_only()"
)


class AuditColumns:
    """Who did what, when, from where, with the values before and after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class AuditEntry(AuditColumns, db.Model):
    """An agency's audit entry (tenant schema)."""

    __tablename__ = "audit_log"


# DDL() applies %-formatting, so the RAISE placeholders are doubled.
event.listen(AuditEntry.__table__, "after_create", DDL(APPEND_ONLY_FUNCTION.replace("%", "%%")))
event.listen(
    AuditEntry.__table__, "after_create", DDL(APPEND_ONLY_TRIGGER.format(table="audit_log"))
)
