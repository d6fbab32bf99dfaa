"""Hourly limits on texts that staff trigger: per recipient and purpose, and per agency.

Automated texts (court reminders, check-in links, signature reminders, failure-to-appear
notices, HELP replies, codes a person asks for) are never counted or refused here: a staff limit
must never stop a court reminder.
"""

from __future__ import annotations

from flask import current_app

from bbp import ratelimit
from bbp.ratelimit import RateLimited

WINDOW = 3600
WHAT = {"one_off": "texts", "portal_link": "portal sign-in links", "signature": "signing links"}


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
