"""Helpers for the archive tests: a well-filled agency, running jobs, and reading every row."""

from __future__ import annotations

from flask import current_app
from rq import Queue, SimpleWorker
from sqlalchemy import select, text

from bbp.dataio import archives, dump
from bbp.dataio.models import AgencyArchive
from bbp.defendants import services as defendants
from bbp.defendants.models import Defendant
from bbp.dev.book import seed_book
from bbp.extensions import db
from bbp.kernel import storage
from bbp.platform import restore
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy import bound
from tests.portal.conftest import make_book
from tests.signatures.conftest import send
from tests.support import unique_slug

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SSN = "123-45-6789"


def fill(app, agency) -> None:
    """Bonds, people, payments, powers and court dates (the demo book), a signature request with
    its PDF, a defendant's SSN, license number and photo."""
    with app.app_context(), bound(agency.info, db.session):
        seed_book(agency.info)
    send(app, agency, make_book(app, agency, number="B-2026-9001"))
    with app.app_context(), bound(agency.info, db.session):
        defendant = db.session.scalars(select(Defendant).order_by(Defendant.id)).first()
        defendants.save(defendant, {"ssn": SSN, "dl_number": "D123-456-78-901-0"})
        db.session.commit()
        defendants.set_photo(db.session.get(Defendant, defendant.id), PNG)


def work(app) -> None:
    """Run every queued job in this process, as a worker would."""
    redis = app.extensions["redis"]
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def archive(app, archive_id: int) -> AgencyArchive:
    with app.app_context():
        found = db.session.get(AgencyArchive, archive_id)
        db.session.expunge(found)
        return found


def everything(app, agency) -> dict[str, list]:
    """Every archived table's rows, encrypted columns decrypted, in primary-key order."""
    with app.app_context(), bound(agency.info, db.session):
        rows = {}
        for table in dump.archived_tables():
            made = dump.dump_table(table)
            # By column name: a migrated schema orders added columns last, a new one does not.
            rows[table] = [
                dict(zip(made.columns, r, strict=True)) for r in dump.parse_rows(made.data)
            ]
        return rows


def files(app, agency) -> dict[str, bytes]:
    """Every stored file of the agency but its archives."""
    backend = storage.storage_from_config(app.config)
    with app.app_context():
        keys = [k for k in backend.keys(agency.slug) if not k.startswith("archives/")]
        return {key: backend.load(agency.slug, key) for key in keys}


def revision_of(app, agency) -> str:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def storage_root() -> str:
    return current_app.config["STORAGE_ROOT"]


def restored_copy(app, agency):
    """The agency archived now and restored under a new subdomain (left restored, not active)."""
    work(app)
    with app.app_context():
        made = archives.start(agency.info, "cli", PlatformAuditEntry)
    work(app)
    assert archive(app, made.id).status == "ready"
    with app.app_context():
        return restore.restore_archive(made.id, unique_slug("copy"), "cli")
