"""The purge: an agency past its 30-day deletion grace loses its data key, files and schema.

`PURGE_STEPS` is the one list of what a purge removes, in order. A step takes the agency
(`TenantInfo`), runs inside the purge's one transaction with the agency's schema bound (public
tables are named by schema, so a step may delete platform rows about the agency too), must not
commit, and returns a few words for the platform audit log. Work outside the database (files)
happens before the commit, so a failed purge is simply run again the next day: every step must
be idempotent. To purge something new, add a step here, before "schema".

The database steps (data keys, schema) and the tombstone commit together or not at all, so an
agency is never marked purged with its data still there, nor left half-dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import delete, select, text

from bbp.audit.services import record
from bbp.billing import accounts, closing
from bbp.dataio.models import AgencyArchive
from bbp.extensions import db
from bbp.kernel import storage, wakeups
from bbp.kernel.clock import utcnow
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy import TenantInfo, bound
from bbp.tenancy.context import quote_schema
from bbp.tenancy.models import Tenant, TenantDomain
from bbp.tenancy.resolver import forget_tenants, tenant_by_slug
from bbp.vault import services as vault
from bbp.vault.models import DataKey

log = logging.getLogger(__name__)


class PurgeStep(NamedTuple):
    """One thing a purge removes: a name for the audit log and an idempotent function."""

    name: str
    run: Callable[[TenantInfo], str]


def _schema_exists(tenant: TenantInfo) -> bool:
    found = db.session.scalar(text("SELECT to_regnamespace(:s)"), {"s": tenant.schema})
    return found is not None


def destroy_data_keys(tenant: TenantInfo) -> str:
    """Delete the agency's wrapped data keys (`bbp.vault`): its SSNs and licence numbers, in this
    database and in every backup taken from now on, can no longer be decrypted."""
    if not _schema_exists(tenant):
        return "already gone"
    masters = sorted(set(db.session.scalars(select(DataKey.master_key_id))))
    count = vault.shred()
    # Older backups hold the keys wrapped under these master keys (docs/platform-lifecycle.md).
    return f"{count} destroyed; wrapped under master keys: {', '.join(masters) or 'none'}"


def delete_archives(tenant: TenantInfo) -> str:
    """Delete the agency's export archives: their sealed files and their rows in public."""
    backend = storage.storage_from_config(current_app.config)
    made = db.session.scalars(select(AgencyArchive).where(AgencyArchive.tenant_id == tenant.id))
    count = 0
    for archive in made:
        if archive.storage_key:
            backend.delete(tenant.slug, archive.storage_key)
        db.session.delete(archive)
        count += 1
    return f"{count} deleted"


def delete_files(tenant: TenantInfo) -> str:
    """Delete every stored file of the agency (photos, uploads, signed PDFs)."""
    backend = storage.storage_from_config(current_app.config)
    return f"{backend.purge(tenant.slug)} deleted"


def drop_schema(tenant: TenantInfo) -> str:
    """Drop the agency's schema: every table of its data, at once."""
    existed = _schema_exists(tenant)
    db.session.execute(text(f"DROP SCHEMA IF EXISTS {quote_schema(tenant.schema)} CASCADE"))
    return "dropped" if existed else "already gone"


PURGE_STEPS: list[PurgeStep] = [
    PurgeStep("data keys", destroy_data_keys),
    PurgeStep("archives", delete_archives),
    PurgeStep("files", delete_files),
    PurgeStep("schema", drop_schema),
]


def due(now: datetime) -> list[tuple[int, str, bool]]:
    """(id, slug, under legal hold) of every agency pending deletion whose purge date has come."""
    rows = db.session.execute(
        select(Tenant.id, Tenant.slug, Tenant.legal_hold)
        .where(Tenant.status == "deleting", Tenant.purge_after <= now)
        .order_by(Tenant.purge_after, Tenant.id)
    ).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def purge_due(now: datetime | None = None, actor: Any = "system") -> dict[str, list[str]]:
    """The daily platform task: purge each agency past its grace, skipping held ones; one
    agency's failure is logged and retried the next day, the others go on."""
    now = now or utcnow()
    outcome: dict[str, list[str]] = {"purged": [], "held": [], "failed": []}
    for tenant_id, slug, held in due(now):
        if held:
            log.info("not purging %s: it is under legal hold", slug)
            outcome["held"].append(slug)
            continue
        try:
            done = purge(tenant_id, slug, now, actor)
        except Exception:
            db.session.remove()
            log.exception("purging agency %s failed; it is tried again tomorrow", slug)
            outcome["failed"].append(slug)
            continue
        if done:
            outcome["purged"].append(slug)
    return outcome


def purge(tenant_id: int, slug: str, now: datetime, actor: Any = "system") -> bool:
    """Run every purge step for one agency and leave its tombstone row, in one transaction
    holding the agency's row, so an undo or a legal hold set meanwhile waits and then finds
    nothing to do. False when the agency no longer qualifies (undone, held, purged elsewhere)."""
    info = tenant_by_slug(slug)
    if info is None or info.id != tenant_id:
        return False
    db.session.remove()
    with bound(info, db.session):
        try:
            with atomic:
                tenant = db.session.scalar(
                    select(Tenant)
                    .where(
                        Tenant.id == tenant_id,
                        Tenant.status == "deleting",
                        Tenant.purge_after <= now,
                        Tenant.legal_hold.is_(False),
                    )
                    .with_for_update(skip_locked=True)
                )
                if tenant is None:
                    return False
                for step in PURGE_STEPS:
                    outcome = step.run(info)
                    record(
                        "tenant.purge_step",
                        tenant,
                        after={"step": step.name, "result": outcome},
                        actor=actor,
                        model=PlatformAuditEntry,
                    )
                _leave_tombstone(tenant, now, actor)
        finally:
            db.session.remove()
    forget_tenants()
    _cancel_billing(tenant_id)
    return True


def _cancel_billing(tenant_id: int) -> None:
    """Queue the cancellation of whatever the agency's subscription still runs: a job, so a
    Stripe outage delays it (retried) and never fails the purge."""
    try:
        if accounts.account_of(tenant_id) is not None:
            closing.close_later(tenant_id)
    except RedisError:
        log.exception("could not queue the subscription's cancellation for agency %s", tenant_id)
    finally:
        db.session.remove()


def _leave_tombstone(tenant: Tenant, now: datetime, actor: Any) -> None:
    """Keep the row (slug, name, dates, who and why; no agency data) so the subdomain is never
    handed to someone else silently and its host shows the closed page."""
    before = {"status": tenant.status}
    tenant.status, tenant.purged_at = "purged", now
    wakeups.forget(tenant.id)
    # Custom domains belong to whoever owns them: freed for reuse. The subdomain stays taken.
    custom = TenantDomain.kind != "subdomain"
    db.session.execute(delete(TenantDomain).where(TenantDomain.tenant_id == tenant.id, custom))
    record(
        "tenant.purged",
        tenant,
        before=before,
        after={"status": "purged"},
        actor=actor,
        model=PlatformAuditEntry,
    )
