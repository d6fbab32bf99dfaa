"""Restore an agency archive into a NEW agency: check everything first, then build it whole.

Order: unseal and check every checksum (a tampered archive is refused before anything is made);
check the revision (unknown, i.e. newer than this deploy, is refused) and the new subdomain;
add the agency row restored (closed: no request or periodic task sees it half made); create
its schema at the archive's revision; load every table (ids kept, sequences moved, encrypted
values re-encrypted under the new agency's data key); upgrade to head; leave it with no Stripe
account (those it holds are the original's); store the files. The
new agency stays closed until a superadmin activates it. Any failure drops what was made. The
agency archived is only read, never touched.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, text

from bbp import models
from bbp.audit.services import record
from bbp.dataio import archives, dump, packing, sealing
from bbp.dataio.models import AgencyArchive
from bbp.extensions import db
from bbp.kernel import storage
from bbp.kernel.errors import DomainError
from bbp.merchant import stopping
from bbp.messaging import emails
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import ProvisioningError, drop_tenant, schema_for, validate_slug
from bbp.tenancy import TenantInfo, bound, tenant_by_slug
from bbp.tenancy.context import quote_schema
from bbp.tenancy.migrate import upgrade_schema
from bbp.tenancy.models import Tenant, TenantDomain
from bbp.tenancy.resolver import forget_tenants
from bbp.tenancy.schema import create_at_head, head_revision, script_directory


def restore_archive(archive_id: int, slug: str, actor) -> TenantInfo:
    """Restore a stored archive (by id) into a new agency named slug."""
    archive = db.session.get(AgencyArchive, archive_id)
    blob = archives.sealed_bytes(archives.usable(archive))
    db.session.rollback()
    return restore(blob, slug, actor)


def restore(blob: bytes, slug: str, actor) -> TenantInfo:
    """Restore a sealed archive's bytes into a new agency named slug."""
    _, plain = sealing.unseal(blob)
    contents = packing.unpack(plain)
    revision = contents.manifest["schema_revision"]
    check_revision(revision)
    slug = _free_slug(slug)
    agency = _add_agency(slug, contents.manifest["agency"])
    try:
        _create_schema(agency.schema, revision)
        _load(agency, contents)
        if revision != head_revision():
            upgrade_schema(db.engine, agency.schema)
        _unconnected(agency, contents.manifest["agency"]["slug"])
        _store_files(agency.slug, contents.files)
        return _finish(agency, contents.manifest, actor)
    except BaseException:
        db.session.rollback()
        _undo(agency, contents.files)
        raise


def check_revision(revision: str) -> None:
    """Refuse an archive whose schema revision this deploy does not know (a newer one)."""
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise DomainError(
            f"This archive was made at schema revision {revision!r}, which this deploy does "
            f"not know (head is {head_revision()}): restore it on a newer deploy."
        )


def _free_slug(slug: str) -> str:
    try:
        slug = validate_slug(slug)
    except ProvisioningError as exc:
        raise DomainError(str(exc), field="slug") from None
    taken = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    taken = taken or db.session.scalar(select(TenantDomain.id).where(TenantDomain.hostname == slug))
    schema = schema_for(slug)
    taken = taken or db.session.scalar(text("SELECT to_regnamespace(:s)"), {"s": schema})
    if taken:
        raise DomainError(f"The subdomain '{slug}' is already taken.", field="slug")
    return slug


def _add_agency(slug: str, archived: dict) -> TenantInfo:
    tenant = Tenant(
        slug=slug,
        name=archived["name"],
        schema_name=schema_for(slug),
        timezone=archived["timezone"],
        state=archived.get("state"),
        status="restored",
        suspended_reason="Being restored from an archive.",
    )
    tenant.domains.append(TenantDomain(kind="subdomain", hostname=slug))
    db.session.add(tenant)
    db.session.commit()
    forget_tenants()
    return tenant_by_slug(slug)


def _create_schema(schema: str, revision: str) -> None:
    with db.engine.begin() as conn:
        if revision == head_revision():
            create_at_head(conn, schema, models.metadata)
            return
        conn.exec_driver_sql(f"CREATE SCHEMA {quote_schema(schema)}")
    upgrade_schema(db.engine, schema, revision)


def _load(agency: TenantInfo, contents: packing.Contents) -> None:
    with bound(agency, db.session):
        present = set(dump.schema_tables())
        for table in contents.manifest["tables"]:
            if table["name"] not in present:
                raise DomainError(
                    f"The archive's table {table['name']} does not exist at its schema revision."
                )
            dump.load_table(table["name"], table["columns"], contents.tables[table["name"]])
        dump.set_sequences(contents.manifest["sequences"])
        db.session.commit()


def _unconnected(agency: TenantInfo, origin: str) -> None:
    """The copy takes no payment on the original's Stripe account (it stays the original's) and
    sends none of the original's owed emails."""
    with bound(agency, db.session):
        stopping.leave_copy_unconnected(origin)
        emails.leave_to_original()
        db.session.commit()


def _store_files(slug: str, files: dict[str, bytes]) -> None:
    backend = storage.storage_from_config(current_app.config)
    for key, data in files.items():
        backend.save(slug, key, data, "application/octet-stream")


def _finish(agency: TenantInfo, manifest: dict, actor) -> TenantInfo:
    """Leave the agency restored (closed, nothing runs) with a reason: a superadmin activates it
    once the original no longer runs, so two agencies never text the same defendants."""
    tenant = db.session.get(Tenant, agency.id)
    origin = manifest["agency"]["slug"]
    tenant.suspended_reason = (
        f"Restored from archive #{manifest['archive_id']} of {origin}: "
        "activate it when the original no longer runs."
    )
    after = {
        "slug": tenant.slug,
        "from_agency": origin,
        "from_archive": manifest["archive_id"],
        "revision": manifest["schema_revision"],
    }
    record("tenant.restored", tenant, after=after, actor=actor, model=PlatformAuditEntry)
    db.session.commit()
    forget_tenants()
    return tenant_by_slug(tenant.slug)


def _undo(agency: TenantInfo, files: dict[str, bytes]) -> None:
    backend = storage.storage_from_config(current_app.config)
    for key in files:
        backend.delete(agency.slug, key)
    drop_tenant(agency.slug)
