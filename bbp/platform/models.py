"""Platform admins and the platform audit log (public schema)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from bbp.audit.models import AuditColumns
from bbp.extensions import db
from bbp.kernel.accounts import AccountMixin
from bbp.platform.roles import ADMIN_ROLES


class PlatformAdmin(AccountMixin, db.Model):
    """Someone who runs the platform on admin.<domain>."""

    __tablename__ = "platform_admins"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("role IN ('superadmin', 'support', 'finance')", name="role"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="support")

    @property
    def role_label(self) -> str:
        return ADMIN_ROLES[self.role]

    @property
    def is_platform_admin(self) -> bool:
        return True

    def get_id(self) -> str:
        return f"admin:{self.id}:{self.session_version}"


class PlatformAuditEntry(AuditColumns, db.Model):
    """Platform-level audit entry; its append-only trigger comes from the public migration."""

    __tablename__ = "platform_audit"
    __table_args__ = {"schema": "public"}
