"""Set-password links for platform admins: the staff design (signed, expiring, single use), under
a salt of their own and naming no agency, so a console link is worthless on an agency's host and
an agency's link worthless on the console."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from bbp.extensions import db
from bbp.kernel import links
from bbp.platform.models import PlatformAdmin

LINKS = links.SignedLinks("bbp-platform-set-password", platform=True)
REFUSALS = links.Refusals(
    broken="This link is not valid. Check that you copied all of it.",
    elsewhere="This link is not valid for the platform console.",
    expired="This link has expired. Ask a superadmin for a new one, or reset your password.",
    used="This link has already been used. Ask for a new one if you need it.",
)


def _fingerprint(admin: PlatformAdmin) -> str:
    # Changes when the password is set (single use), when sessions end and with the role.
    return links.fingerprint(
        admin.password_hash or "unset", admin.session_version, admin.active, admin.role
    )


def set_password_url(admin: PlatformAdmin) -> str:
    """The link an admin follows to choose a password, on admin.<domain>."""
    token = LINKS.make({"a": admin.id, "f": _fingerprint(admin)})
    return links.platform_url(f"/platform/set-password/{token}")


def admin_for_token(token: str, lock: bool = False) -> PlatformAdmin:
    """The admin a token is for (row-locked until commit when spending it), or InvalidLink."""
    max_age = timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])
    data = LINKS.read(token, REFUSALS, max_age)
    admin = db.session.get(PlatformAdmin, data["a"]) if isinstance(data.get("a"), int) else None
    if admin is not None and lock:
        links.lock(admin)
    if admin is None or not admin.active:
        raise REFUSALS.refuse("elsewhere")
    links.check_mark(data.get("f"), _fingerprint(admin), REFUSALS)
    return admin
