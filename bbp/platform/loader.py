"""Flask-Login wiring: a session id names its tenant and version, and both are re-checked.

Three kinds: "staff:<tenant>:<user>:<version>" and "support:<grant>:<version>:<admin version>"
on agency hosts (a support session is a platform admin under an open grant,
bbp/platform/support/session.py), "admin:<id>:<version>" on admin.<domain>.

A staff account read from the database is held by the process until the agency's next write
(bbp/kernel/held.py), so most signed-in requests need no query to know who is asking: changing
a role, deactivating someone or signing them out everywhere is a write, and the next request
reads the account afresh.
"""

from __future__ import annotations

from flask import Flask, g, redirect, request, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bbp.auth.models import User
from bbp.extensions import db, htmx, login_manager
from bbp.kernel import changes
from bbp.kernel.held import Held
from bbp.platform.models import PlatformAdmin
from bbp.platform.support import session as support_session
from bbp.web.rendering import this_page

# Column values of staff accounts, per process; a minute at most, whatever the counter says.
_staff: Held[dict] = Held(limit=5_000, seconds=60)
_COLUMNS = inspect(User).column_attrs


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
        account = _staff_account(int(parts[2]))
    elif parts[0] == "support" and len(parts) == 4 and site == "tenant":
        return support_session.load(int(parts[1]), parts[2], parts[3])
    elif parts[0] == "admin" and len(parts) == 3 and site == "platform":
        account = db.session.get(PlatformAdmin, int(parts[1]))
    else:
        return None
    if account is None or not account.active or str(account.session_version) != parts[-1]:
        return None
    return account


def _staff_account(user_id: int) -> User | None:
    """The staff account, from what the process holds when the agency has not written since."""
    key = (g.tenant.id, g.tenant.schema, user_id)
    version = changes.version()  # read before the account: a write in between is never missed
    values = _staff.get(key, version)
    if values is not None:
        return _reattached(values)
    account = db.session.get(User, user_id)
    if account is not None:
        _staff.put(key, version, {c.key: getattr(account, c.key) for c in _COLUMNS})
    return account


def _reattached(values: dict) -> User:
    """The account rebuilt from held column values, in this request's session without a query."""
    account = inspect(User).class_manager.new_instance()
    for key, value in values.items():
        set_committed_value(account, key, value)
    make_transient_to_detached(account)
    return db.session.merge(account, load=False)


def forget() -> None:
    """Drop every held account of this process (tests)."""
    _staff.clear()


def unauthorized():
    """Send signed-out visitors to the right sign-in page; htmx gets a full redirect."""
    endpoint = "platform.login" if g.get("site") == "platform" else "auth.login"
    target = url_for(endpoint, next=this_page() if request.method == "GET" else None)
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
