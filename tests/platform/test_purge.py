"""The purge after the 30-day grace: schema, files and data key gone, a tombstone kept, every
step audited; never under legal hold, never before the date, never another agency's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bbp.dataio import archives
from bbp.dataio.models import AgencyArchive
from bbp.extensions import db
from bbp.jobs import platform_tasks
from bbp.kernel import storage
from bbp.platform import lifecycle
from bbp.platform.lifecycle import GRACE
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import ProvisioningError, create_tenant
from bbp.platform.purge import PURGE_STEPS, purge_due
from bbp.tenancy import bound
from bbp.tenancy.models import Tenant, TenantDomain
from bbp.vault import services as vault
from bbp.vault.models import DataKey

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
SSN = "123-45-6789"


def _stock(app, agency) -> bytes:
    """A stored file and an encrypted SSN for the agency; returns the ciphertext."""
    with app.app_context(), bound(agency.info, db.session):
        backend = storage.storage_from_config(app.config)
        backend.save(agency.slug, "photos/face.jpg", b"\xff\xd8\xff photo", "image/jpeg")
        backend.save(agency.slug, "documents/signed.pdf", b"%PDF- signed", "application/pdf")
        blob = vault.encrypt("defendants.ssn", SSN)
        db.session.commit()
        return blob


def _schema_exists(app, agency) -> bool:
    with app.app_context():
        found = db.session.scalar(text("SELECT to_regnamespace(:s)"), {"s": agency.info.schema})
        db.session.rollback()
        return found is not None


def _folder(app, agency) -> Path:
    return Path(app.config["STORAGE_ROOT"]) / agency.slug


def _row(app, agency) -> Tenant:
    with app.app_context():
        tenant = db.session.get(Tenant, agency.info.id)
        db.session.expunge(tenant)
        return tenant


def _audit(app, agency) -> list[tuple[str, dict | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(PlatformAuditEntry.action, PlatformAuditEntry.after)
            .where(PlatformAuditEntry.target_id == str(agency.info.id))
            .where(PlatformAuditEntry.action.like("tenant.purge%"))
            .order_by(PlatformAuditEntry.id)
        ).all()
        db.session.rollback()
        return [tuple(r) for r in rows]


@pytest.fixture
def doomed(app, make_agency, clock):
    """An agency with files and an encrypted SSN, scheduled for deletion at NOW."""
    clock.set(NOW)
    agency = make_agency("doomed")
    _stock(app, agency)
    with app.app_context():
        lifecycle.schedule_deletion(agency.info.id, "Agency closed", agency.slug)
    return agency


def test_nothing_is_purged_before_the_grace_ends(app, doomed):
    with app.app_context():
        assert purge_due(NOW + GRACE - timedelta(minutes=1)) == {
            "purged": [],
            "held": [],
            "failed": [],
        }
    assert _schema_exists(app, doomed) and _folder(app, doomed).is_dir()
    assert _row(app, doomed).status == "deleting"


def test_after_the_grace_the_schema_files_and_data_key_are_gone(app, doomed, other_tenant, clock):
    kept_blob = _stock(app, other_tenant)
    with app.app_context(), bound(doomed.info, db.session):
        masters = set(db.session.scalars(select(DataKey.master_key_id)))
        assert len(masters) == 1
    clock.set(NOW + GRACE + timedelta(hours=1))
    with app.app_context():
        assert purge_due()["purged"] == [doomed.slug]

    assert not _schema_exists(app, doomed)
    assert not _folder(app, doomed).exists()
    tombstone = _row(app, doomed)
    assert (tombstone.status, tombstone.slug, tombstone.deletion_reason) == (
        "purged",
        doomed.slug,
        "Agency closed",
    )
    assert tombstone.purged_at == NOW + GRACE + timedelta(hours=1)
    steps = _audit(app, doomed)
    assert [after.get("step") for _, after in steps] == [s.name for s in PURGE_STEPS] + [None]
    assert steps[0][1]["result"] == f"1 destroyed; wrapped under master keys: {masters.pop()}"
    results = {after.get("step"): after.get("result") for _, after in steps}
    assert results["archives"] == "0 deleted" and results["files"] == "2 deleted"
    assert results["schema"] == "dropped"
    assert steps[-1] == ("tenant.purged", {"status": "purged"})

    # The other agency keeps its schema, its files and its key.
    assert _schema_exists(app, other_tenant)
    with app.app_context(), bound(other_tenant.info, db.session):
        backend = storage.storage_from_config(app.config)
        assert backend.load(other_tenant.slug, "photos/face.jpg") == b"\xff\xd8\xff photo"
        assert vault.decrypt("defendants.ssn", kept_blob) == SSN
    assert _row(app, other_tenant).status == "active"


def _archive(app, agency) -> AgencyArchive:
    """A ready export archive of the agency, built in this process."""
    with app.app_context():
        made = archives.start(agency.info, "test", PlatformAuditEntry, queue=False)
        built = archives.build(made.id)
        db.session.expunge(built)
        return built


def test_the_purge_deletes_the_agencys_archives_and_no_one_elses(
    app, make_agency, other_tenant, clock
):
    clock.set(NOW)
    agency = make_agency("archived")
    _stock(app, agency)
    doomed_archive, kept_archive = _archive(app, agency), _archive(app, other_tenant)
    assert doomed_archive.status == "ready" and doomed_archive.storage_key
    with app.app_context():
        lifecycle.schedule_deletion(agency.info.id, "Agency closed", agency.slug)
    clock.set(NOW + GRACE + timedelta(hours=1))
    with app.app_context():
        assert purge_due()["purged"] == [agency.slug]
        left = db.session.scalars(
            select(AgencyArchive.id).where(
                AgencyArchive.tenant_id.in_([agency.info.id, other_tenant.info.id])
            )
        ).all()
        backend = storage.storage_from_config(app.config)
        assert backend.load(other_tenant.slug, kept_archive.storage_key)
    assert left == [kept_archive.id]
    assert not _folder(app, agency).exists()
    results = {after.get("step"): after.get("result") for _, after in _audit(app, agency)}
    assert results["archives"] == "1 deleted"


def test_the_purged_subdomain_shows_the_closed_page_and_is_never_reused(app, doomed, visit, clock):
    with app.app_context():
        db.session.add(
            TenantDomain(tenant_id=doomed.info.id, kind="custom", hostname="bonds.x.example")
        )
        db.session.commit()
    clock.set(NOW + GRACE)
    with app.app_context():
        purge_due()
        hosts = db.session.scalars(
            select(TenantDomain.kind).where(TenantDomain.tenant_id == doomed.info.id)
        ).all()
        db.session.rollback()
    assert hosts == ["subdomain"]  # the custom domain is free for its owner to use elsewhere
    page = visit(doomed).get("/login")
    assert page.status_code == 410 and "This account is closed" in page.get_data(as_text=True)
    with app.app_context(), pytest.raises(ProvisioningError, match="already taken"):
        create_tenant(doomed.slug, "Someone Else", "new@example.com")


def test_a_held_agency_is_never_purged_until_released(app, doomed, clock):
    with app.app_context():
        lifecycle.set_legal_hold(doomed.info.id, "Subpoena for bond records")
    clock.set(NOW + GRACE + timedelta(days=400))
    with app.app_context():
        assert purge_due() == {"purged": [], "held": [doomed.slug], "failed": []}
    assert _schema_exists(app, doomed) and _folder(app, doomed).is_dir()
    assert _audit(app, doomed) == []
    with app.app_context():
        lifecycle.release_legal_hold(doomed.info.id, "Case closed")
        assert purge_due()["purged"] == [doomed.slug]
    assert not _schema_exists(app, doomed)


def test_an_undone_deletion_is_not_purged(app, doomed, clock):
    with app.app_context():
        lifecycle.undo_deletion(doomed.info.id, "Mistake")
    clock.set(NOW + GRACE + timedelta(days=1))
    with app.app_context():
        assert purge_due()["purged"] == []
    assert _schema_exists(app, doomed) and _row(app, doomed).status == "active"


def test_a_failed_step_leaves_the_agency_whole_and_pending(app, doomed, clock, monkeypatch):
    def broken(tenant):
        raise RuntimeError("storage is down")

    failing = [PURGE_STEPS[0], PURGE_STEPS[1]._replace(run=broken), *PURGE_STEPS[2:]]
    monkeypatch.setattr("bbp.platform.purge.PURGE_STEPS", failing)
    clock.set(NOW + GRACE)
    with app.app_context():
        assert purge_due()["failed"] == [doomed.slug]
    assert _schema_exists(app, doomed) and _row(app, doomed).status == "deleting"
    with app.app_context(), bound(doomed.info, db.session):
        assert db.session.scalars(select(DataKey)).all() != []  # rolled back with the rest


def test_the_daily_platform_task_purges_once_a_day(app, doomed, redis, clock):
    later = NOW + GRACE + timedelta(hours=2)
    clock.set(later)
    with app.app_context():
        first = platform_tasks.run_due(later)
        again = platform_tasks.run_due(later + timedelta(hours=1))  # same UTC day
    assert first["purge"] == {"purged": [doomed.slug], "held": [], "failed": []}
    assert again == {}
    assert _row(app, doomed).status == "purged"
