"""Export an agency and restore it as a new one: every row and every file comes back."""

from __future__ import annotations

from sqlalchemy import select

from bbp import models
from bbp.dataio import archives, dump
from bbp.defendants import services as defendants
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.platform import lifecycle, restore
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy import bound
from bbp.tenancy.models import Tenant, TenantWakeup
from bbp.tenancy.schema import tenant_tables
from tests.platform.archive_support import SSN, archive, everything, files, fill, work
from tests.support import Agency, unique_slug


def test_a_restored_agency_holds_the_same_rows_and_files(app, tenant, redis, visit):
    fill(app, tenant)
    work(app)  # the signature request's text goes out first: nothing changes during the export
    before_rows, before_files = everything(app, tenant), files(app, tenant)
    with app.app_context():
        made = archives.start(tenant.info, "cli", PlatformAuditEntry)
    work(app)
    done = archive(app, made.id)
    assert done.status == "ready" and done.progress == 100
    assert done.row_count == sum(len(r) for r in before_rows.values())
    assert done.file_count == len(before_files) >= 2
    slug = unique_slug("restored")
    try:
        with app.app_context():
            info = restore.restore_archive(made.id, slug, "cli")
        # Closed until activated: the original and the copy never both text defendants.
        assert info.status == "restored" and "activate it" in _reason(app, slug)
        copy = Agency(info, tenant.owner_email)
        assert everything(app, copy) == before_rows
        assert files(app, copy) == before_files
        assert everything(app, tenant) == before_rows  # the original is only read
        with app.app_context(), bound(info, db.session):
            first = db.session.scalars(db.select(Defendant).order_by(Defendant.id)).first()
            assert defendants.reveal(first, "ssn") == SSN.replace("-", "")
            # New rows continue the restored ids instead of colliding with them.
            fresh = defendants.save(None, {"first_name": "New", "last_name": "Person"})
            db.session.commit()
            assert fresh.id > max(int(r["id"]) for r in before_rows["defendants"])
        _closed_until_activated(app, visit, info)
    finally:
        with app.app_context():
            drop_tenant(slug)


def _closed_until_activated(app, visit, info) -> None:
    """Nobody enters and nothing is scheduled until a superadmin activates the copy."""
    closed = visit(info).get("/login")
    assert closed.status_code == 410 and "being restored" in closed.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(
            select(TenantWakeup.task).where(TenantWakeup.tenant_id == info.id)
        ).all()
        lifecycle.reactivate(info.id, "The original agency is purged", "cli")
        assert db.session.scalars(
            select(TenantWakeup.task).where(TenantWakeup.tenant_id == info.id)
        ).all()
    assert visit(info).get("/login").status_code == 200


def _reason(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Tenant.suspended_reason).where(Tenant.slug == slug))


def test_the_archive_holds_every_table_of_the_schema(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        in_schema = set(dump.schema_tables())
        archived = set(dump.archived_tables())
    assert in_schema == {t.name for t in tenant_tables(models.metadata)} | {"alembic_version"}
    assert archived == in_schema - {"alembic_version", "data_keys"}


def test_every_encrypted_column_is_known_to_the_archive():
    encrypted = {
        (t.name, c.name)
        for t in tenant_tables(models.metadata)
        for c in t.columns
        if c.name.endswith("_encrypted")
    }
    assert encrypted == set(dump.ENCRYPTED)
