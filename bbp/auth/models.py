"""Staff accounts of one agency (tenant schema)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db
from bbp.kernel.accounts import AccountMixin
from bbp.tenancy import require_tenant

ROLES = ("viewer", "agent", "manager", "admin", "owner")  # least to most powerful
ROLE_LABELS = {
    "owner": "Owner",
    "admin": "Admin",
    "manager": "Manager",
    "agent": "Agent",
    "viewer": "Viewer",
}


def may_manage(actor_role: str, role: str) -> bool:
    """The team rule: a role manages only roles below its own, and only owners manage owners."""
    return actor_role == "owner" or ROLES.index(role) < ROLES.index(actor_role)


class User(AccountMixin, db.Model):
    """A staff member who signs in on the agency's subdomain."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'manager', 'agent', 'viewer')", name="role"),
        CheckConstraint("email = lower(email)", name="email_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")  # digits

    @property
    def is_platform_admin(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login id: names the tenant and the session version, so both are re-checked."""

        return f"staff:{require_tenant().id}:{self.id}:{self.session_version}"

    def has_role(self, minimum: str) -> bool:
        """True when this user's role is at least `minimum`."""
        return ROLES.index(self.role) >= ROLES.index(minimum)

    def may_manage(self, other: User) -> bool:
        """True when this user may invite, see links of, change or switch off `other`."""
        return other.id != self.id and may_manage(self.role, other.role)

    def grantable_roles(self) -> tuple[str, ...]:
        """The roles this user may give someone, least powerful first."""
        return tuple(role for role in ROLES if may_manage(self.role, role))

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def pending(self) -> bool:
        """Invited but has not set a password yet."""
        return self.password_hash is None
