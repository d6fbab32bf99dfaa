"""Numbers for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.extensions import db

RECENT_ACTIVITY = 8


@dataclass(frozen=True)
class Summary:
    """What the dashboard shows."""

    active_staff: int
    pending_invites: int
    recent: list[AuditEntry]


def summary() -> Summary:
    """Team counts and the most recent audit entries of the bound agency."""
    counts = db.session.execute(
        select(
            func.count().filter(User.active, User.password_hash.is_not(None)),
            func.count().filter(User.active, User.password_hash.is_(None)),
        )
    ).one()
    recent = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(RECENT_ACTIVITY)
    ).all()
    return Summary(active_staff=counts[0], pending_invites=counts[1], recent=list(recent))
