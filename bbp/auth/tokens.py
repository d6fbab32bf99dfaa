"""Signed, expiring, single-use set-password links for staff (see bbp.kernel.links)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from bbp.auth.models import User
from bbp.extensions import db
from bbp.kernel import links
from bbp.tenancy import TenantInfo

SALT = "bbp-set-password"
LINKS = links.SignedLinks(SALT)
REFUSALS = links.Refusals(
    broken="This link is not valid. Check that you copied all of it.",
    elsewhere="This link is not valid for this agency.",
    expired="This link has expired. Ask for a new one.",
    used="This link has already been used. Ask for a new one if you need it.",
)


def _fingerprint(user: User) -> str:
    # Changes as soon as the password is set, which makes every earlier link single-use, and
    # when the role changes, so a link read before a promotion cannot claim the higher role.
    return links.fingerprint(
        user.password_hash or "unset", user.session_version, user.active, user.role
    )


def make_token(tenant: TenantInfo, user: User) -> str:
    """A token naming the tenant, the user and the user's current password state."""
    return LINKS.make({"u": user.id, "f": _fingerprint(user)}, tenant)


def set_password_url(tenant: TenantInfo, user_id: int) -> str:
    """The link a staff member follows to choose a password."""
    user = db.session.get(User, user_id)
    return links.tenant_url(tenant, f"/set-password/{make_token(tenant, user)}")


def user_for_token(token: str) -> User:
    """The user a set-password token is for, or InvalidLink with the reason."""
    return _read(token, lock=False)


def spend(token: str) -> User:
    """The same, with the user's row locked until commit: of two uses of one link at once, the
    second finds the link spent by the first one's new password."""
    return _read(token, lock=True)


def _read(token: str, lock: bool) -> User:
    max_age = timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])
    data = LINKS.read(token, REFUSALS, max_age)
    user = db.session.get(User, data["u"]) if isinstance(data.get("u"), int) else None
    if user is not None and lock:
        links.lock(user)
    if user is None or not user.active:
        raise REFUSALS.refuse("elsewhere")
    links.check_mark(data.get("f"), _fingerprint(user), REFUSALS)
    return user
