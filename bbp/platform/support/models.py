"""Support grants and each agency's support policy (public schema: ids, times and the admin's
own words, never the agency's people)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAdmin

LONGEST = timedelta(hours=1)  # the most any grant lasts from its approval
ANSWER_WITHIN = timedelta(hours=24)  # an unanswered request lapses after this
GRANT_STATUSES = ("requested", "approved", "denied", "withdrawn", "ended")
LABELS = {
    "requested": "Waiting for the owner",
    "approved": "Active",
    "denied": "Denied",
    "withdrawn": "Withdrawn",
    "ended": "Ended",
    "expired": "Expired",
    "lapsed": "Not answered in time",
}


class SupportGrant(db.Model):
    """One support admin's request for access to one agency, and the access it became."""

    __tablename__ = "support_grants"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'approved', 'denied', 'withdrawn', 'ended')", name="status"
        ),
        CheckConstraint("minutes BETWEEN 5 AND 60", name="minutes"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), index=True
    )
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("public.platform_admins.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="requested")
    auto_approved: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))  # owner, admin
    # Bumped on each entry and on the end: only the newest support session is signed in.
    session_version: Mapped[int] = mapped_column(default=0)
    link_nonce: Mapped[str | None] = mapped_column(String(32))  # the one hand-over link

    admin: Mapped[PlatformAdmin] = relationship(lazy="joined", innerjoin=True)

    @property
    def state(self) -> str:
        """The status as of now on the app clock: approved grants expire, requests lapse."""
        now = utcnow()
        if self.status == "approved" and self.expires_at <= now:
            return "expired"
        if self.status == "requested" and self.requested_at + ANSWER_WITHIN <= now:
            return "lapsed"
        return self.status

    @property
    def state_label(self) -> str:
        return LABELS[self.state]

    @property
    def active(self) -> bool:
        return self.state == "approved"

    @property
    def waiting(self) -> bool:
        return self.state == "requested"


class SupportPolicy(db.Model):
    """An agency owner's choice to let support in without approval (absent row: approval)."""

    __tablename__ = "support_policies"
    __table_args__ = {"schema": "public"}

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    without_approval: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
