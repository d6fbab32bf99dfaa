"""Measure the bound agency's usage and keep its snapshot in public.tenant_usage.

Only counts, sizes and times leave the agency's schema (docs/platform-agencies.md): the console
lists, filters and sorts every agency by them with one query instead of visiting each schema.
The periodic `usage` task runs this hourly for every active agency (and at the first tick after
an agency is created); the agency page's "Refresh now" runs it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.bonds.models import LIABLE, Bond
from bbp.extensions import db
from bbp.kernel import storage
from bbp.kernel.clock import agency_zone, utcnow
from bbp.messaging.queries import sent_between
from bbp.tenancy import require_tenant
from bbp.tenancy.models import TenantUsage

EVERY = timedelta(hours=1)
# Heap, indexes and TOAST of every table in the schema: one catalog scan of its own namespace.
DATABASE_BYTES = text(
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
    "WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind IN ('r', 'm')"
)


def month_starts(now: datetime, zone: tzinfo) -> tuple[datetime, datetime, datetime]:
    """Starts of last month, this month and next month on the agency's wall clock."""
    local = now.astimezone(zone)
    this = datetime(local.year, local.month, 1, tzinfo=zone)
    last = datetime(local.year - (local.month == 1), (local.month - 2) % 12 + 1, 1, tzinfo=zone)
    following = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=zone)
    return last, this, following


def _counts() -> dict:
    """Bond, staff and activity figures of the bound agency, read in its schema."""
    bonds = db.session.execute(
        select(func.count(), func.count().filter(Bond.status.in_(LIABLE))).select_from(Bond)
    ).one()
    staff = db.session.execute(
        select(
            func.count().filter(User.active),
            func.count().filter(User.active, User.role == "owner"),
            func.max(User.last_login_at),
        )
    ).one()
    last_audit = db.session.scalar(select(func.max(AuditEntry.occurred_at)))
    moments = [m for m in (last_audit, staff[2]) if m is not None]
    return {
        "bonds_total": bonds[0],
        "bonds_active": bonds[1],
        "staff": staff[0],
        "owners": staff[1],
        "last_sign_in_at": staff[2],
        "last_activity_at": max(moments) if moments else None,
    }


def measure() -> dict:
    """Count the bound agency's usage, write its snapshot and commit; returns the figures."""
    tenant = require_tenant()
    now = utcnow()
    last, this, following = month_starts(now, agency_zone())
    figures = _counts()
    figures["texts_this_month"], figures["segments_this_month"] = sent_between(this, following)
    figures["texts_last_month"], figures["segments_last_month"] = sent_between(last, this)
    backend = storage.storage_from_config(current_app.config)
    figures["storage_bytes"] = backend.usage(tenant.slug)
    figures["database_bytes"] = int(
        db.session.scalar(DATABASE_BYTES, {"schema": tenant.schema}) or 0
    )
    figures["measured_at"] = now
    row = insert(TenantUsage).values(tenant_id=tenant.id, **figures)
    db.session.execute(
        row.on_conflict_do_update(index_elements=[TenantUsage.tenant_id], set_=figures)
    )
    db.session.commit()
    return figures


def next_due(now: datetime) -> datetime:
    """Hourly: a snapshot at most an hour old is fresh enough to list and sort agencies by."""
    return now + EVERY
