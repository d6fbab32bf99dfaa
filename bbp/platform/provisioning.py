"""Agency lifecycle: create an agency (public rows, its schema at head and its first owner, in
one transaction), suspend or reactivate it, and drop it.

Platform feature code: it uses the tenancy core, the audit log and the models; the tenancy core
never imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, text

from bbp import models
from bbp.audit.services import record
from bbp.auth.models import User
from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.pool import top_up_later
from bbp.platform.zones import US_ZONES
from bbp.tenancy import spares
from bbp.tenancy.context import TenantInfo
from bbp.tenancy.models import WORKING_STATUSES, Tenant, TenantDomain
from bbp.tenancy.resolver import forget_tenants, tenant_by_slug
from bbp.tenancy.schema import create_at_head

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
SLUG_MAX = 40
RESERVED_SLUGS = frozenset(
    [
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "console",
        "dashboard",
        "dev",
        "docs",
        "ftp",
        "help",
        "imap",
        "login",
        "mail",
        "media",
        "ns1",
        "ns2",
        "platform",
        "pop",
        "portal",
        "public",
        "root",
        "smtp",
        "staging",
        "static",
        "status",
        "support",
        "system",
        "test",
        "tenant",
        "tenants",
        "www",
    ]
)


class ProvisioningError(ValueError):
    """The agency cannot be created as asked; the message says why, `field` which input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Provisioned:
    """A freshly created agency and its owner."""

    tenant: TenantInfo
    owner_id: int
    owner_email: str


def validate_slug(slug: str) -> str:
    """Return the slug if it can name a subdomain and a schema, else explain what is wrong."""
    slug = (slug or "").strip()
    if not slug:
        raise ProvisioningError("The subdomain is required.", "slug")
    if len(slug) > SLUG_MAX:
        raise ProvisioningError(f"The subdomain must be at most {SLUG_MAX} characters.", "slug")
    if not SLUG_PATTERN.match(slug):
        raise ProvisioningError(
            "The subdomain may use only lowercase letters, digits and hyphens, "
            "and must start and end with a letter or digit.",
            "slug",
        )
    if slug in RESERVED_SLUGS:
        raise ProvisioningError(f"'{slug}' is reserved; choose another subdomain.", "slug")
    return slug


def schema_for(slug: str) -> str:
    """Schema name for a valid slug (hyphens become underscores; slugs have no underscores)."""
    return "t_" + slug.replace("-", "_")


def _validate(slug: str, name: str, owner_email: str, timezone: str, state: str | None):
    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name:
        raise ProvisioningError("The agency name is required.", "name")
    try:
        email = validate_email(owner_email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ProvisioningError(f"The owner email is not valid: {exc}", "owner_email") from None
    if timezone not in US_ZONES:
        raise ProvisioningError(
            f"'{timezone}' is not one of the US time zones ({', '.join(US_ZONES)}).", "timezone"
        )
    if state is not None and not re.fullmatch(r"[A-Z]{2}", state):
        raise ProvisioningError("The state must be a two-letter code such as FL.", "state")
    return slug, name, email


def create_tenant(
    slug: str,
    name: str,
    owner_email: str,
    *,
    owner_name: str = "",
    timezone: str = "America/New_York",
    state: str | None = None,
    actor: object = "cli",
) -> Provisioned:
    """Create the agency whole or not at all."""
    slug, name, email = _validate(slug, name, owner_email, timezone, state)
    session = db.session
    taken = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    taken = taken or session.scalar(select(TenantDomain.id).where(TenantDomain.hostname == slug))
    if taken:
        raise ProvisioningError(f"The subdomain '{slug}' is already taken.", "slug")
    schema = schema_for(slug)
    # A schema left without its agency row (a restore, a hand-made test) is never adopted.
    if session.scalar(text("SELECT to_regnamespace(:schema)"), {"schema": schema}) is not None:
        raise ProvisioningError(
            f"The subdomain '{slug}' is already taken (schema {schema}).", "slug"
        )
    tenant = Tenant(slug=slug, name=name, schema_name=schema, timezone=timezone, state=state)
    tenant.domains.append(TenantDomain(kind="subdomain", hostname=slug))
    session.add(tenant)
    session.flush()
    wakeups.enrol(tenant.id)  # every periodic task runs for it at the next tick
    record(
        "tenant.provisioned",
        tenant,
        after={"slug": slug, "name": name},
        actor=actor,
        model=PlatformAuditEntry,
    )
    session.flush()
    connection = session.connection()
    # A spare schema made ahead is renamed in one catalog write; without one, the tables are made
    # here, which slows as the catalog grows (docs/decisions.md, "Spare schemas").
    if not spares.take(connection, tenant.schema_name):
        create_at_head(connection, tenant.schema_name, models.metadata)
    owner = User(email=email, name=owner_name, role="owner")
    session.add(owner)
    session.flush()
    # By label only: an id in the agency's log would be read as one of its own staff.
    label = getattr(actor, "email", actor)
    record("tenant.provisioned", owner, after={"owner": email}, actor=label)
    owner_id = owner.id
    session.commit()
    session.close()  # the owner row belongs to a schema this unbound session cannot refresh
    forget_tenants()
    top_up_later()
    return Provisioned(tenant_by_slug(slug), owner_id, email)


def drop_tenant(slug: str) -> None:
    """Delete an agency and its schema for good (tests and failed-signup cleanup only)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return
    connection = db.session.connection()
    connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
    db.session.delete(tenant)
    db.session.commit()
    forget_tenants()


def set_status(slug: str, status: str, reason: str | None = None, actor: Any = "cli") -> None:
    """Suspend or reactivate an agency; suspension takes effect on its next request.

    A suspended agency keeps its periodic work (court reminders, check-ins): only its staff are
    shut out (docs/platform-lifecycle.md). An agency pending deletion is restored by undoing the
    deletion, never here."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        raise ProvisioningError(f"No agency has the subdomain '{slug}'.")
    if status not in ("active", "suspended"):
        raise ProvisioningError("Status must be active or suspended.")
    if tenant.status == "restored" and status != "active":
        raise ProvisioningError("A restored agency is activated, or deleted, not suspended.")
    if tenant.status not in (*WORKING_STATUSES, "restored"):
        raise ProvisioningError(f"The agency is {tenant.status}: undo its deletion first.")
    before = {"status": tenant.status}
    tenant.status = status
    if status == "active":
        wakeups.enrol(tenant.id)  # harmless when its rows are there; puts back any missing
    tenant.suspended_reason = reason if status == "suspended" else None
    record(
        f"tenant.{status}",
        tenant,
        before=before,
        after={"status": status, "reason": reason},
        actor=actor,
        model=PlatformAuditEntry,
    )
    db.session.commit()
    forget_tenants()
