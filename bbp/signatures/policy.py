"""The agency's signature policy: link lifetime, reminders, and the indemnity rule."""

from __future__ import annotations

from dataclasses import dataclass

from bbp.audit.services import changes, record
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.settings.services import current

FIELDS = (
    "signature_expiry_days",
    "signature_reminder_hours",
    "signature_reminders_max",
    "require_signed_indemnity",
)
LIMITS = {
    "signature_expiry_days": (1, 90, "Links can stay open 1 to 90 days."),
    "signature_reminder_hours": (1, 336, "Remind every 1 to 336 hours (two weeks)."),
    "signature_reminders_max": (0, 10, "Send 0 to 10 reminders."),
}


@dataclass(frozen=True)
class Policy:
    """The policy as typed."""

    signature_expiry_days: int | None
    signature_reminder_hours: int | None
    signature_reminders_max: int | None
    require_signed_indemnity: bool


def save(policy: Policy, by) -> None:
    """Change the policy; open requests keep the expiry they were sent with."""
    for name, (low, high, message) in LIMITS.items():
        value = getattr(policy, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise DomainError(message, name)
    settings = current()
    before = changes(settings, FIELDS)
    for name in FIELDS:
        setattr(settings, name, getattr(policy, name))
    record("settings.signatures_changed", settings, before=before, after=changes(settings, FIELDS))
    db.session.commit()
