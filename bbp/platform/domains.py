"""Custom domains: add one (pending), verify it by a DNS TXT token, remove it.

A custom domain resolves to its agency only once verified (bbp/tenancy/resolver.py): anyone can
type any hostname into a form, and only its owner can publish `_bbp-verify.<domain>`.
"""

from __future__ import annotations

import re
import secrets

from flask import current_app
from sqlalchemy import select

from bbp.audit.services import record
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.platform import dns
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.hosts import bare_host
from bbp.tenancy.models import Tenant, TenantDomain
from bbp.tenancy.resolver import forget_tenants

RECORD_PREFIX = "_bbp-verify."
VALUE_PREFIX = "bbp-verify="
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def record_name(domain: TenantDomain) -> str:
    """Where the agency publishes the token."""
    return RECORD_PREFIX + domain.hostname


def record_value(domain: TenantDomain) -> str:
    """What the TXT record must hold."""
    return VALUE_PREFIX + (domain.verify_token or "")


def _check_hostname(hostname: str) -> str:
    labels = hostname.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        raise DomainError(
            "Enter a domain name such as bonds.example.com (letters, digits, hyphens and dots).",
            "hostname",
        )
    if labels[-1].isdigit():
        raise DomainError("Enter a domain name, not an IP address.", "hostname")
    apex = bare_host(current_app.config["BBP_DOMAIN"])
    if hostname == apex or hostname.endswith("." + apex):
        raise DomainError(
            f"Addresses under {apex} are ours; enter the agency's own domain.", "hostname"
        )
    return hostname


def add(tenant: Tenant, hostname: str, actor) -> TenantDomain:
    """Add a pending custom domain with a fresh verification token."""
    hostname = _check_hostname(hostname.strip().lower().rstrip("."))
    if db.session.scalar(select(TenantDomain.id).where(TenantDomain.hostname == hostname)):
        raise DomainError(f"{hostname} is already in use by an agency.", "hostname")
    domain = TenantDomain(kind="custom", hostname=hostname, verify_token=secrets.token_hex(16))
    tenant.domains.append(domain)
    record(
        "tenant.domain_added",
        tenant,
        after={"domain": hostname},
        actor=actor,
        model=PlatformAuditEntry,
    )
    db.session.commit()
    return domain


def _published(domain: TenantDomain) -> list[str]:
    try:
        return dns.resolver().txt(record_name(domain))
    except dns.LookupFailed as exc:
        raise DomainError(
            f"DNS did not answer for {record_name(domain)} ({exc}). Try again in a few minutes."
        ) from None


def verify(tenant: Tenant, domain: TenantDomain, actor) -> None:
    """Mark the domain verified if its TXT record holds our token; else say what DNS shows."""
    if domain.verified:
        return
    found = _published(domain)
    if not found:
        raise DomainError(
            f"No TXT record at {record_name(domain)} yet. Publish it with the value shown; "
            "DNS changes can take a while to appear."
        )
    if record_value(domain) not in (value.strip() for value in found):
        raise DomainError(
            f"The TXT record at {record_name(domain)} does not hold this domain's token. "
            f"It must be exactly {record_value(domain)}."
        )
    domain.verified_at = utcnow()
    record(
        "tenant.domain_verified",
        tenant,
        after={"domain": domain.hostname},
        actor=actor,
        model=PlatformAuditEntry,
    )
    db.session.commit()
    forget_tenants()


def remove(tenant: Tenant, domain: TenantDomain, actor) -> None:
    """Stop the custom domain resolving to the agency (its subdomain cannot be removed)."""
    if domain.kind != "custom":
        raise DomainError("The agency's own subdomain cannot be removed.")
    hostname = domain.hostname
    tenant.domains.remove(domain)
    record(
        "tenant.domain_removed",
        tenant,
        before={"domain": hostname},
        actor=actor,
        model=PlatformAuditEntry,
    )
    db.session.commit()
    forget_tenants()


def find(tenant: Tenant, domain_id: int) -> TenantDomain | None:
    """The agency's hostname with this id, or None."""
    return next((d for d in tenant.domains if d.id == domain_id), None)
