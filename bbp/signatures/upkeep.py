"""Hourly upkeep of signature requests: remind unsigned signers, expire stale requests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.settings import services as settings
from bbp.signatures import evidence
from bbp.signatures.models import OPEN, SignatureRequest
from bbp.signatures.services import remind


def remind_and_expire(now: datetime | None = None) -> tuple[int, int]:
    """Expire requests past their time; remind the others when due. Returns (reminded, expired)."""
    now = now or utcnow()
    policy = settings.current()
    reminded, expired = [], 0
    query = (
        select(SignatureRequest)
        .where(SignatureRequest.status.in_(OPEN))
        .order_by(SignatureRequest.id)
        .with_for_update(skip_locked=True)  # two overlapping runs never remind twice
    )
    for request in db.session.scalars(query).all():
        if request.expires_at <= now:
            request.status = "expired"
            evidence.append(request, "expired", {})
            expired += 1
        elif _reminder_due(request, policy, now):
            request.reminders_sent += 1
            request.last_reminded_at = now
            reminded.append(request.id)
    db.session.commit()
    for request_id in reminded:
        remind(request_id)
    return len(reminded), expired


def _reminder_due(request: SignatureRequest, policy, now: datetime) -> bool:
    if request.reminders_sent >= policy.signature_reminders_max:
        return False
    since = request.last_reminded_at or request.created_at
    return since <= now - timedelta(hours=policy.signature_reminder_hours)


def next_due(now: datetime) -> datetime | None:
    """While any request is open: within the hour (its reminders), or when the first expires."""
    soonest = db.session.scalar(
        select(func.min(SignatureRequest.expires_at)).where(SignatureRequest.status.in_(OPEN))
    )
    return None if soonest is None else min(soonest, now + timedelta(hours=1))


def every_hour() -> None:
    """The periodic entry point (hourly while the agency has open requests)."""
    remind_and_expire()
