"""Resolve the tenant once per request from the Host header and bind it for the request."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, abort, current_app, g, request
from sqlalchemy import select

from bbp.extensions import db
from bbp.tenancy.context import TenantInfo, activate, current_tenant, deactivate
from bbp.tenancy.hosts import classify
from bbp.tenancy.models import Tenant, TenantDomain

log = logging.getLogger(__name__)
SITE_KINDS = ("tenant", "platform", "apex", "any")
# Endpoints that answer on every host (no tenant needed).
HOSTLESS_ENDPOINTS = {"static", "health.healthz", "health.metrics"}
# How long a worker trusts what it read about an agency: the bound on a suspension, a rename or
# a removed hostname reaching the other processes (the process that made the change forgets at
# once): TENANT_CACHE_SECONDS, 5 by default.
# What defendants and cosigners depend on stays open while their agency is suspended (a
# blueprint name or an endpoint): the portal, the texted check-in link, and Twilio's delivery
# reports and STOP replies for the reminders that keep going (docs/platform-lifecycle.md).
OPEN_WHILE_SUSPENDED = frozenset(
    {
        "portal",
        "checkins.public",
        "checkins.public_post",
        "messaging.twilio_status",
        "messaging.twilio_inbound",
        # Paying online: the portal's Pay pages, texted pay links and the fake Checkout page.
        "merchant.portal_pay",
        "merchant.portal_pay_post",
        "merchant.portal_paid",
        "merchant.pay_link",
        "merchant.pay_link_post",
        "merchant.pay_link_done",
        "merchant.fake_checkout",
        "merchant.fake_checkout_post",
    }
)
# Staff actions inside an open blueprint stay shut (tests/tenancy/test_suspended_routes.py fails
# when an open route needs a staff role).
SHUT_WHILE_SUSPENDED = frozenset({"portal.invite_defendant", "portal.invite_cosigner"})
CACHE_LIMIT = 10_000  # hostnames held per process; unknown hostnames are never held
_known: dict[tuple[str, str], tuple[float, TenantInfo]] = {}


class UnknownHost(Exception):
    """No agency answers to this hostname."""


class TenantSuspended(Exception):
    """The agency exists but is suspended (and this page is not one that stays open)."""

    def __init__(self, tenant: TenantInfo):
        super().__init__(tenant.slug)
        self.tenant = tenant


class TenantClosed(TenantSuspended):
    """The agency is being deleted or was purged: closed to everyone."""


def _info(row) -> TenantInfo:
    return TenantInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        schema=row.schema_name,
        status=row.status,
        timezone=row.timezone,
        state=row.state,
    )


_TENANT_COLUMNS = (
    Tenant.id,
    Tenant.slug,
    Tenant.name,
    Tenant.schema_name,
    Tenant.status,
    Tenant.timezone,
    Tenant.state,
)


def tenant_by_hostname(kind: str, hostname: str) -> TenantInfo | None:
    """Look a hostname up on its own short connection, outside any tenant-bound transaction."""
    query = (
        select(*_TENANT_COLUMNS)
        .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
        .where(TenantDomain.kind == kind, TenantDomain.hostname == hostname)
    )
    if kind == "custom":  # a custom domain answers only once its owner proved it in DNS
        query = query.where(TenantDomain.verified_at.is_not(None))
    with db.engine.connect() as conn:
        row = conn.execute(query).first()
    return _info(row) if row else None


def tenant_by_slug(slug: str) -> TenantInfo | None:
    """Look a tenant up by slug (jobs and the CLI name tenants this way)."""
    with db.engine.connect() as conn:
        row = conn.execute(select(*_TENANT_COLUMNS).where(Tenant.slug == slug)).first()
    return _info(row) if row else None


def cached_tenant(kind: str, hostname: str) -> TenantInfo | None:
    """tenant_by_hostname, remembered in the process for TENANT_CACHE_SECONDS."""
    key, now = (kind, hostname), time.monotonic()
    held = _known.get(key)
    if held is not None and held[0] > now:
        return held[1]
    tenant = tenant_by_hostname(kind, hostname)
    if tenant is not None:
        if len(_known) >= CACHE_LIMIT:
            _known.clear()
        _known[key] = (now + current_app.config["TENANT_CACHE_SECONDS"], tenant)
    else:
        _known.pop(key, None)
    return tenant


def forget_tenants() -> None:
    """Drop what this process remembers about agencies (after creating, suspending, dropping)."""
    _known.clear()


def resolve_site(host: str) -> tuple[str, TenantInfo | None]:
    """Map a Host header to (site kind, tenant); raises UnknownHost, TenantClosed, or for a
    suspended agency TenantSuspended unless the endpoint stays open while suspended."""
    match = classify(host, current_app.config["BBP_DOMAIN"])
    if match.kind in ("apex", "platform"):
        return match.kind, None
    tenant = cached_tenant(match.kind, match.value)
    if tenant is None:
        raise UnknownHost(host)
    if tenant.closed:
        raise TenantClosed(tenant)
    if not tenant.active and not open_while_suspended(request.endpoint):
        raise TenantSuspended(tenant)
    return "tenant", tenant


def open_while_suspended(endpoint: str | None) -> bool:
    """Whether this endpoint serves a suspended agency's defendants and cosigners."""
    if endpoint is None or endpoint in SHUT_WHILE_SUSPENDED:
        return False
    return endpoint in OPEN_WHILE_SUSPENDED or endpoint.split(".")[0] in OPEN_WHILE_SUSPENDED


def register_site_blueprint(app: Flask, bp: Blueprint, site: str) -> None:
    """Register a blueprint that answers only on one kind of host; all others 404."""
    assert site in SITE_KINDS
    app.register_blueprint(bp)
    app.extensions.setdefault("bbp_sites", {})[bp.name] = site


def _load_site() -> None:
    if current_tenant() is not None:  # a previous request on this thread failed to unbind
        log.error("tenant %s still bound at request start; resetting", current_tenant().slug)
        activate(None)
    g.site, g.tenant = None, None
    if request.endpoint in HOSTLESS_ENDPOINTS:
        return
    site, tenant = resolve_site(request.host)
    # Bind before anything (error pages included) can load the signed-in user.
    g.tenant_token = activate(tenant, db.session)
    g.site, g.tenant = site, tenant
    allowed = current_app.extensions.get("bbp_sites", {}).get(request.blueprint or "")
    if request.endpoint is not None and allowed not in (site, "any"):
        abort(404)


def _unbind(exc: BaseException | None) -> None:
    token = g.pop("tenant_token", None)
    if token is None:
        return
    try:
        db.session.remove()
    finally:
        deactivate(token)


def init_app(app: Flask) -> None:
    """Resolve the site first thing in every request; unbind last thing."""
    app.before_request_funcs.setdefault(None, []).insert(0, _load_site)
    app.teardown_request(_unbind)
