"""The half-signed-in session: the password was right, the second step is still to come.

Until that step is done the session holds only this marker, never Flask-Login's user id, so
every page that needs a signed-in account refuses it. The marker names the account as its
Flask-Login id does (with the session version and, for staff, the agency), and dies after a
few minutes or at the next sign-in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import session

from bbp.kernel.clock import utcnow

KEY = "signin_pending"
LIFETIME = timedelta(minutes=10)


def hold(account_id: str, next_url: str | None) -> None:
    """Remember who gave the right password, and where they were going."""
    until = int((utcnow() + LIFETIME).timestamp())
    session[KEY] = {"id": account_id, "until": until, "next": next_url}


def pending_id() -> str | None:
    """The account id of a half-signed-in session still in time, else None."""
    held = session.get(KEY)
    if not isinstance(held, dict) or held.get("until", 0) < utcnow().timestamp():
        return None
    return held.get("id") if isinstance(held.get("id"), str) else None


def next_url() -> str | None:
    """Where the visitor was going before the sign-in."""
    held = session.get(KEY)
    return held.get("next") if isinstance(held, dict) else None


def clear() -> None:
    """Forget the half sign-in (done, refused for good, or abandoned)."""
    session.pop(KEY, None)
