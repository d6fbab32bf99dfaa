"""The support session on an agency's host: who it is, what it may do, and what it leaves.

Its Flask-Login id is "support:<grant id>:<version>:<admin version>" (bbp/platform/loader.py):
no staff row in the agency, a viewer's pages only, no POST but ending the visit, and every
request written to the platform's and the agency's audit logs before the page is built.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from flask import Flask, abort, g, request
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import select

from bbp.extensions import db, redis_client
from bbp.platform.support import services
from bbp.platform.support.forms import AskForm
from bbp.platform.support.models import SupportGrant, SupportPolicy
from bbp.tenancy import require_tenant

PANEL = 5  # requests the console's agency panel lists
# The only changes a support session may make: leave, or enter again by a newer link.
ALLOWED_POSTS = {"support.end_session", "support.enter_post"}
# A staff member's own account pages: a support session has no account to show or enroll.
OWN_ACCOUNT_PAGES = {"auth.account", "auth.account_enroll"}
# Audited by their own services (and a hand-over path carries a token: kept out of the logs).
UNAUDITED = ALLOWED_POSTS | {"support.enter", "support.left"}
READ_ONLY = (
    "Support access is read-only: it cannot change, reveal or sign anything. "
    "Ask the agency's staff to make the change."
)


class SupportVisitor:
    """A platform admin inside one agency under an open grant: a viewer, and never staff."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_platform_admin = False
    is_support = True
    role = "viewer"
    role_label = "Support access (read-only)"
    id = None  # names no staff row: pages keyed by person use get_id()

    def __init__(self, grant: SupportGrant):
        self.grant_id, self.version = grant.id, grant.session_version
        self.admin_version = grant.admin.session_version
        self.name = grant.admin.name or grant.admin.email
        self.email = grant.admin.email
        self.reason: str = grant.reason
        self.expires_at: datetime = grant.expires_at

    def get_id(self) -> str:
        return f"support:{self.grant_id}:{self.version}:{self.admin_version}"

    def has_role(self, minimum: str) -> bool:
        return minimum == "viewer"


def load(grant_id: int, version: str, admin_version: str) -> SupportVisitor | None:
    """The support session a session id names: this agency's, open, the newest entry, and its
    admin still active, still allowed to ask, and not signed out everywhere since (a role
    change, a password or two-step reset ends the admin's sessions, this one included)."""
    grant = db.session.get(SupportGrant, grant_id)
    if (
        grant is None
        or g.tenant is None
        or grant.tenant_id != g.tenant.id
        or not grant.active
        or not grant.admin.active
        or grant.admin.role not in services.ASKERS
        or str(grant.admin.session_version) != admin_version
        or str(grant.session_version) != version
    ):
        return None
    return SupportVisitor(grant)


def visitor() -> SupportVisitor | None:
    """This request's support session, if it is one."""
    if g.get("site") != "tenant" or not current_user.is_authenticated:
        return None
    return current_user if getattr(current_user, "is_support", False) else None


def _guard():
    """Audit every request of a support session in both logs; refuse any change."""
    if request.endpoint in (None, "static") or request.endpoint in UNAUDITED:
        return None
    support = visitor()
    if support is None:
        return None
    refused = request.method not in ("GET", "HEAD") or request.endpoint in OWN_ACCOUNT_PAGES
    path = request.full_path.rstrip("?")
    services.record_visit(support.grant_id, request.method, path, request.view_args or {}, refused)
    if refused:
        abort(403, description=READ_ONLY)
    return None


def waiting_requests() -> list[SupportGrant]:
    """Requests this agency's owner has to answer (for the notice on their pages)."""
    if g.get("site") != "tenant" or getattr(current_user, "role", None) != "owner":
        return []
    try:
        if not redis_client().exists(services.waiting_key()):
            return []  # most pages: nothing asked, no query
    except RedisError:
        pass  # without Redis, ask the database every time
    query = select(SupportGrant).where(
        SupportGrant.tenant_id == require_tenant().id, SupportGrant.status == "requested"
    )
    waiting = [grant for grant in db.session.scalars(query) if grant.waiting]
    if not waiting:
        with contextlib.suppress(RedisError):
            redis_client().delete(services.waiting_key())
    return waiting


def without_approval() -> bool:
    """Whether the bound agency lets support in without the owner's approval."""
    policy = db.session.get(SupportPolicy, require_tenant().id)
    return bool(policy and policy.without_approval)


def grants_for(tenant_id: int) -> list[SupportGrant]:
    """The signed-in platform admin's latest requests to one agency (the console's panel)."""
    if g.get("site") != "platform" or not current_user.is_platform_admin:
        return []
    query = (
        select(SupportGrant)
        .where(SupportGrant.tenant_id == tenant_id, SupportGrant.admin_id == current_user.id)
        .order_by(SupportGrant.requested_at.desc(), SupportGrant.id.desc())
        .limit(PANEL)
    )
    return list(db.session.scalars(query))


def _template_globals() -> dict:
    return {
        "support_visitor": visitor,
        "support_waiting": waiting_requests,
        "support_grants_for": grants_for,
        "support_ask_form": AskForm,
    }


def init_app(app: Flask) -> None:
    """Install the support session's guard and the banner's template helpers."""
    app.before_request(_guard)
    app.context_processor(_template_globals)
