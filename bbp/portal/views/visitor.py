"""Portal sign-in state: a token in the (host-bound) session cookie, never a staff login."""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, session, url_for

from bbp.extensions import db, htmx
from bbp.portal import access, people
from bbp.portal.models import PortalSession
from bbp.web.rendering import this_page

SESSION_KEY = "portal"


def current() -> PortalSession | None:
    """The signed-in portal visitor's session, once per request."""
    if "portal_session" not in g:
        g.portal_session = _still_reachable(access.session_for(session.get(SESSION_KEY)))
        if g.portal_session is None:
            session.pop(SESSION_KEY, None)
    return g.portal_session


def _still_reachable(row: PortalSession | None) -> PortalSession | None:
    """Drop people whose phone or email on file is no longer the verified one (staff changed it)."""
    if row is None:
        return None
    current = people.people_for(row.contact)
    live = [ref for ref in row.people if people.covers(current, ref)]
    if not live:
        access.end_session(row)
        return None
    if live != row.people:
        row.people = live
        db.session.commit()
    return row


def sign_in(token: str) -> None:
    """Remember the portal session in the cookie (staff sign-in state is left alone)."""
    session[SESSION_KEY] = token
    session.permanent = True
    g.pop("portal_session", None)


def sign_out() -> None:
    """End the portal session, server side and in the cookie."""
    row = current()
    if row is not None:
        access.end_session(row)
    session.pop(SESSION_KEY, None)
    g.pop("portal_session", None)


def portal_required(view):
    """Let only a signed-in portal visitor through; others go to the portal sign-in page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current() is None:
            target = url_for("portal.login", next=this_page() if request.method == "GET" else None)
            if htmx:
                return "", 401, {"HX-Redirect": target}
            return redirect(target)
        return view(*args, **kwargs)

    wrapped.required_role = "portal"
    wrapped.people_page = True  # web.i18n: in the visitor's language, wherever the page lives
    return wrapped
