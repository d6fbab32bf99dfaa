"""Agency archives: start one (console, CLI or the owner), build it in a job, open it, expire it.

The public `agency_archives` row holds progress, sizes and checksums only; the archive itself is
sealed (bbp/dataio/sealing.py) and stored among the agency's files under archives/. Platform
admins never download: `open_archive` is the one door, for the owner's download and for the
support-access action that wires it (docs/platform-archives.md).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from datetime import timedelta

from flask import current_app
from rq import Queue
from sqlalchemy import select, update

from bbp.audit.services import record
from bbp.dataio import packing, sealing, withholding
from bbp.dataio.models import AgencyArchive as AgencyArchive
from bbp.extensions import db, redis_client
from bbp.kernel import storage
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.tenancy import TenantInfo, bound, require_tenant, tenant_by_slug
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import current_revision

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
JOB_TIMEOUT = 3600
STALLED = "The export did not finish (its worker stopped): make a new one."


def archives_of(tenant_id: int, limit: int = 10) -> list[AgencyArchive]:
    """The agency's latest archives, newest first."""
    query = select(AgencyArchive).where(AgencyArchive.tenant_id == tenant_id)
    return list(db.session.scalars(query.order_by(AgencyArchive.id.desc()).limit(limit)))


def start(agency: TenantInfo, actor, audit_model=None, *, queue: bool = True) -> AgencyArchive:
    """Record a new archive of the agency and queue its job; refused while one is being made.

    `audit_model` is PlatformAuditEntry from the console and CLI; the owner's request goes to the
    agency's own audit log (the agency must then be bound)."""
    expire()
    busy = select(AgencyArchive.id).where(
        AgencyArchive.tenant_id == agency.id, AgencyArchive.status.in_(("queued", "running"))
    )
    if db.session.scalar(busy.limit(1)) is not None:
        raise DomainError("An archive of this agency is already being made: wait for it.")
    # Public rows name platform admins only: an agency's own people stay in its schema.
    if getattr(actor, "is_platform_admin", False):
        label = actor.email
    elif getattr(actor, "email", None):
        label = "the agency's owner"
    else:
        label = str(actor)
    archive = AgencyArchive(tenant_id=agency.id, created_by=label, created_at=utcnow())
    db.session.add(archive)
    db.session.flush()
    extra = {} if audit_model is None else {"model": audit_model}
    after = {"archive": archive.id, "agency": agency.slug}
    record("archive.requested", archive, after=after, actor=actor, **extra)
    db.session.commit()
    if queue:  # the CLI may build it in its own process instead
        Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue(
            build_job, archive.id, description=f"[{agency.slug}] archive", job_timeout=JOB_TIMEOUT
        )
    return archive


def _set(archive_id: int, **values) -> None:
    """Write progress on its own connection, outside the export's snapshot transaction."""
    with db.engine.begin() as conn:
        conn.execute(update(AgencyArchive).where(AgencyArchive.id == archive_id).values(**values))


def build_job(archive_id: int) -> None:
    """Worker side: build the archive (an agency suspended since it was asked for included)."""
    with job_app().app_context():
        try:
            build(archive_id)
        finally:
            db.session.remove()


def build(archive_id: int) -> AgencyArchive:
    """Dump every table and file of the agency in one snapshot, seal it and store it."""
    archive = db.session.get(AgencyArchive, archive_id)
    agency = tenant_by_slug(db.session.get(Tenant, archive.tenant_id).slug)
    db.session.rollback()
    _set(archive_id, status="running", step="Reading tables", progress=0)
    seen = {"percent": -1}

    def progress(done: int, total: int, step: str) -> None:
        percent = 90 * done // max(total, 1)  # the last tenth is sealing and storing
        if percent != seen["percent"]:
            seen["percent"] = percent
            _set(archive_id, progress=percent, step=step[:120])

    try:
        now = utcnow()
        with bound(agency, db.session):
            conn = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            revision = current_revision(conn, agency.schema)
            plain, manifest = packing.pack(agency, archive_id, revision, now, progress)
        _set(archive_id, progress=90, step="Encrypting and storing")
        sealed = sealing.seal(archive_id, plain)
        key = f"{packing.ARCHIVE_PREFIX}{archive_id}-{secrets.token_hex(8)}.bbpa"
        storage.storage_from_config(current_app.config).save(
            agency.slug, key, sealed, "application/octet-stream"
        )
        days = current_app.config["ARCHIVE_DAYS"]
        _set(archive_id, status="ready", progress=100, step="Ready", storage_key=key,
             size_bytes=len(sealed), sha256=hashlib.sha256(sealed).hexdigest(),
             manifest_sha256=hashlib.sha256(plain).hexdigest(), schema_revision=revision,
             table_count=len(manifest["tables"]), file_count=len(manifest["files"]),
             row_count=sum(t["rows"] for t in manifest["tables"]), finished_at=utcnow(),
             expires_at=utcnow() + timedelta(days=days))  # fmt: skip
        # The sweep runs when this archive is due (RQ's scheduler in every `flask worker`
        # moves it on); each sweep deletes every archive due by then, so a lost one is caught
        # by the next, and each new archive sweeps first.
        Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue_in(
            timedelta(days=days, minutes=1), expire_job, description="delete expired archives"
        )
    except Exception:
        log.exception("archive %s of %s failed", archive_id, agency.slug)
        # The error itself may quote a row: platform admins see only that it failed, and where.
        error = f"The export stopped; the worker log has the details (archive {archive_id})."
        _set(archive_id, status="failed", step="Failed", error=error)
        raise
    db.session.expire_all()
    return db.session.get(AgencyArchive, archive_id)


def usable(archive: AgencyArchive | None) -> AgencyArchive:
    """The archive if it is ready and unexpired; a DomainError saying why not otherwise."""
    if archive is None:
        raise DomainError("No such archive.", status=404)
    if archive.status == "expired" or (archive.expires_at and archive.expires_at <= utcnow()):
        raise DomainError("This archive has expired: make a new one.", status=410)
    if archive.status == "failed":
        raise DomainError("This archive failed: make a new one.", status=409)
    if archive.status != "ready":
        raise DomainError("This archive is not ready yet.", status=409)
    return archive


def sealed_bytes(archive: AgencyArchive) -> bytes:
    """The stored sealed archive, refused when its bytes differ from the recorded checksum."""
    slug = db.session.get(Tenant, usable(archive).tenant_id).slug
    blob = storage.storage_from_config(current_app.config).load(slug, archive.storage_key)
    if hashlib.sha256(blob).hexdigest() != archive.sha256:
        raise sealing.DamagedArchive(
            "The archive failed its integrity check: it was damaged or tampered with."
        )
    return blob


def open_archive(archive_id: int, leave_out: frozenset[tuple[str, str]]) -> Iterator[bytes]:
    """The archive's plain tar as chunks, checked (a tampered archive is refused before a byte
    leaves), with the columns `leave_out` names emptied (bbp/dataio/withholding.py)."""
    blob = sealed_bytes(db.session.get(AgencyArchive, archive_id))
    _, plain = sealing.unseal(blob)
    plain = withholding.withheld(plain, leave_out)
    return (plain[i : i + CHUNK] for i in range(0, len(plain), CHUNK))


def owned(archive_id: int) -> AgencyArchive | None:
    """The bound agency's archive with this id (None for another agency's)."""
    archive = db.session.get(AgencyArchive, archive_id)
    return archive if archive is not None and archive.tenant_id == require_tenant().id else None


def owner_download(archive_id: int, user, password: str) -> Iterator[bytes]:
    """The bound agency's own archive for its owner, after the password; audited."""
    archive = owned(archive_id)
    if archive is None:
        raise DomainError("No such archive.", status=404)
    if user.role != "owner":
        raise DomainError("Only the agency's owner can download its data.", status=403)
    if not user.password_matches(password or ""):
        raise DomainError("That is not your password.", field="password")
    chunks = open_archive(archive.id, withholding.FOR_THE_OWNER)
    record(
        "archive.downloaded", archive, after={"archive": archive.id, "bytes": archive.size_bytes}
    )
    db.session.commit()
    return chunks


def expire(now=None) -> int:
    """Delete expired archives' files and mark them expired (returns how many); fail stalled
    exports."""
    now = now or utcnow()
    due = db.session.execute(
        select(AgencyArchive, Tenant.slug)
        .join(Tenant, Tenant.id == AgencyArchive.tenant_id)
        .where(AgencyArchive.status == "ready", AgencyArchive.expires_at <= now)
    ).all()
    backend = storage.storage_from_config(current_app.config)
    for archive, slug in due:
        backend.delete(slug, archive.storage_key)
        archive.status, archive.step, archive.storage_key = "expired", "Expired", None
    # A worker that died mid-export leaves its row running: past the job's timeout it never
    # finishes, and it would otherwise keep the agency from making another.
    db.session.execute(
        update(AgencyArchive)
        .where(
            AgencyArchive.status.in_(("queued", "running")),
            AgencyArchive.created_at < now - timedelta(seconds=2 * JOB_TIMEOUT),
        )
        .values(status="failed", step="Failed", error=STALLED)
    )
    db.session.commit()
    return len(due)


def expire_job() -> int:
    """Worker side of the cleanup."""
    with job_app().app_context():
        try:
            return expire()
        finally:
            db.session.remove()
