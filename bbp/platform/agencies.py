"""Agencies in the console: create one and invite its owner, list them, read one's figures.

Everything read here is platform metadata (the public tables and the usage snapshot) or the
agency's migration revision: counts and sizes, never its people or documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import Select, func, select, text

from bbp.auth.tokens import set_password_url
from bbp.billing import accounts, dunning
from bbp.billing.dunning import STATES as DUNNING_STATES
from bbp.billing.dunning import Dunning
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from bbp.kernel import links, mail, search
from bbp.kernel.errors import DomainError
from bbp.kernel.ids import row_id
from bbp.platform import auditlog
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import (
    Provisioned,
    ProvisioningError,
    create_tenant,
    schema_for,
    validate_slug,
)
from bbp.tenancy.context import bound
from bbp.tenancy.models import TENANT_STATUSES, Tenant, TenantDomain, TenantUsage
from bbp.tenancy.resolver import tenant_by_slug
from bbp.tenancy.schema import current_revision
from bbp.usage.services import measure
from bbp.web.rendering import Page

SORTS = {
    "name": (Tenant.name.asc(), Tenant.id),
    "created": (Tenant.created_at.desc(), Tenant.id.desc()),
    "activity": (TenantUsage.last_activity_at.desc().nulls_last(), Tenant.id),
    "bonds": (TenantUsage.bonds_active.desc().nulls_last(), Tenant.id),
    "texts": (TenantUsage.texts_this_month.desc().nulls_last(), Tenant.id),
}
SORT_LABELS = {
    "name": "Name",
    "created": "Newest first",
    "activity": "Last activity",
    "bonds": "Open bonds",
    "texts": "Texts this month",
}
HISTORY_LIMIT = 50


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a new agency, or None when it is free (for the live check)."""
    try:
        slug = validate_slug(slug)
    except ProvisioningError as exc:
        return str(exc)
    taken = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    taken = taken or db.session.scalar(select(TenantDomain.id).where(TenantDomain.hostname == slug))
    taken = taken or db.session.scalar(
        text("SELECT to_regnamespace(:schema)"), {"schema": schema_for(slug)}
    )
    return f"The subdomain '{slug}' is already taken." if taken else None


def create_agency(fields: dict, actor) -> Provisioned:
    """Create the agency as the CLI does, email its owner the set-password link, measure it,
    and put it on the chosen plan (a job opens its Stripe customer and subscription)."""
    plan_id = fields.get("plan_id") or None
    # Read now: the creation's commit leaves the signed-in admin's row expired and detached.
    who = SimpleNamespace(id=getattr(actor, "id", None), email=getattr(actor, "email", actor))
    if plan_id is not None:
        accounts.offered_plan(plan_id)  # refused before anything is made
    try:
        made = create_tenant(
            fields["slug"],
            fields["name"],
            fields["owner_email"],
            owner_name=(fields.get("owner_name") or "").strip(),
            timezone=fields["timezone"],
            state=fields["state"] or None,
            actor=actor,
        )
    except ProvisioningError as exc:
        db.session.rollback()
        raise DomainError(str(exc), exc.field) from None
    tenant = made.tenant
    with bound(tenant, db.session):
        link = set_password_url(tenant, made.owner_id)
        db.session.rollback()
        mail.send(
            made.owner_email,
            f"Your agency {tenant.name} is ready on BailBondPro",
            f"{tenant.name} now has its own BailBondPro workspace at "
            f"{links.tenant_url(tenant, '/')} and you are its owner.\n\n"
            f"Choose your password here (the link works once):\n{link}\n",
        )
        measure()  # the list shows its figures now, not at the next hourly snapshot
    if plan_id is not None:
        accounts.choose_plan(tenant.id, int(plan_id), who)
        accounts.subscribe_later(tenant.id)
    return made


def listing(
    q: str = "",
    status: str = "",
    state: str = "",
    sort: str = "name",
    billing: str = "",
    plan: str = "",
) -> Select:
    """Agencies with their usage snapshot, billing row and dunning state, filtered and sorted
    for the console list (`plan`: a plan's id, or "none" for agencies on no plan)."""
    query = (
        select(Tenant, TenantUsage, BillingAccount, Dunning.state)
        .outerjoin(TenantUsage, TenantUsage.tenant_id == Tenant.id)
        .outerjoin(BillingAccount, BillingAccount.tenant_id == Tenant.id)
        .outerjoin(Dunning, Dunning.tenant_id == Tenant.id)
    )
    if billing in DUNNING_STATES:
        query = query.where(dunning.in_state(billing))
    if plan == "none":
        query = query.where(BillingAccount.tenant_id.is_(None))
    elif row_id(plan):
        query = query.where(BillingAccount.plan_id == row_id(plan))
    if q:
        query = query.where(search.contains(q, Tenant.slug, Tenant.name))
    if status in TENANT_STATUSES:
        query = query.where(Tenant.status == status)
    if state:
        query = query.where(Tenant.state == state)
    return query.order_by(*SORTS.get(sort, SORTS["name"]))


def page_of(query: Select, page: int, per_page: int) -> Page:
    """One page of (agency, usage, billing row, dunning state) rows and the total."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), page, per_page, total or 0)


@dataclass(frozen=True)
class Overview:
    """What the agency page shows: the agency row, its figures, hostnames and history."""

    tenant: Tenant
    usage: TenantUsage | None
    domains: list[TenantDomain]
    revision: str | None
    history: list[auditlog.Line]


def overview(slug: str) -> Overview | None:
    """The agency named by `slug` with everything its console page shows, or None."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return None
    usage = db.session.get(TenantUsage, tenant.id)
    domains = sorted(tenant.domains, key=lambda d: (d.kind != "subdomain", d.hostname))
    history = db.session.scalars(
        select(PlatformAuditEntry)
        .where(
            PlatformAuditEntry.target_type == "tenant",
            PlatformAuditEntry.target_id == str(tenant.id),
        )
        .order_by(PlatformAuditEntry.occurred_at.desc(), PlatformAuditEntry.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    history = auditlog.lines(list(history))
    with db.engine.connect() as conn:  # the catalog lookup stays out of the page's transaction
        revision = current_revision(conn, tenant.schema_name)
    return Overview(tenant, usage, domains, revision, history)


def refresh_usage(slug: str) -> None:
    """Measure one agency's usage now (the page's "Refresh now")."""
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise DomainError("No agency has this subdomain.", status=404)
    db.session.rollback()
    with bound(tenant, db.session):
        measure()
