"""Hourly limits on texts that staff trigger: per recipient and purpose, and per agency.

A text is a staff text when a staff member sends it: the service names them (`by`), or they are
signed in to the request that queues it, so a new staff action is limited even if it forgets
`by`. Automated texts (court reminders, check-in links, signature reminders, HELP replies, codes
a person asks for) have no staff sender and are never counted or refused: a staff limit must
never stop a court reminder.
"""

from __future__ import annotations

from flask import current_app, has_request_context
from flask_login import current_user

from bbp.auth.models import User
from bbp.kernel import ratelimit
from bbp.kernel.ratelimit import RateLimited

WINDOW = 3600
WHAT = {
    "one_off": "texts",
    "portal_link": "portal sign-in links",
    "signature": "signing links",
    "pay_link": "pay links",
}
# Caused by a staff click but never refused: each goes once per court date and person (its dedupe
# key), and refusing one would lose the notice a liable cosigner needs.
NEVER_LIMITED = frozenset({"failure_to_appear"})


def staff_sender(by=None) -> User | None:
    """Who on the staff sends a text: `by`, else the staff member signed in to this request."""
    if by is not None or not has_request_context():
        return by
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def limited(purpose: str, sender: User | None) -> bool:
    """Whether a text counts against the staff limits."""
    return sender is not None and purpose not in NEVER_LIMITED


def spend(phone: str, purpose: str) -> None:
    """Count one staff-triggered text to phone; RateLimited (429) once a limit is used up."""
    per_recipient = current_app.config["STAFF_TEXTS_PER_RECIPIENT_HOUR"]
    per_agency = current_app.config["STAFF_TEXTS_PER_AGENCY_HOUR"]
    if not ratelimit.allow(f"staff-text:{purpose}", phone, per_recipient, WINDOW):
        raise RateLimited(
            f"Too many {WHAT.get(purpose, 'texts')} to the number ending {phone[-4:]}: "
            f"{per_recipient} an hour is the limit. Try again later, or call them."
        )
    if not ratelimit.allow("staff-text", "agency", per_agency, WINDOW):
        raise RateLimited(
            f"Your agency has sent {per_agency} texts from staff actions in the last hour, "
            "the most allowed. Try again later."
        )
