"""Flask-Login wiring: a session id names its tenant and version, and both are re-checked."""

from __future__ import annotations

from flask import Flask, g, redirect, request, url_for
from flask_login import AnonymousUserMixin

from bbp.auth.models import User
from bbp.extensions import db, htmx, login_manager
from bbp.platform.models import PlatformAdmin


class Anonymous(AnonymousUserMixin):
    """Signed-out visitor."""

    is_platform_admin = False

    def has_role(self, minimum: str) -> bool:
        return False


def load_user(user_id: str):
    """Load the account a session names, only on the site and tenant it was issued for."""
    parts = user_id.split(":")
    site = g.get("site")
    if parts[0] == "staff" and len(parts) == 4 and site == "tenant":
        if g.tenant is None or str(g.tenant.id) != parts[1]:
            return None
        account = db.session.get(User, int(parts[2]))
    elif parts[0] == "admin" and len(parts) == 3 and site == "platform":
        account = db.session.get(PlatformAdmin, int(parts[1]))
    else:
        return None
    if account is None or not account.active or str(account.session_version) != parts[-1]:
        return None
    return account


def unauthorized():
    """Send signed-out visitors to the right sign-in page; htmx gets a full redirect."""
    endpoint = "platform.login" if g.get("site") == "platform" else "auth.login"
    target = url_for(endpoint, next=request.full_path if request.method == "GET" else None)
    if htmx:
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def init_app(app: Flask) -> None:
    """Configure Flask-Login for staff and platform admins."""
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
