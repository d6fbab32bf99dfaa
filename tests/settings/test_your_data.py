"""The owner's "Download all your data": make an archive, download it after the password."""

from __future__ import annotations

import io
import json
import tarfile

from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.dataio.models import AgencyArchive
from bbp.extensions import db
from bbp.tenancy import bound
from tests.platform.archive_support import work
from tests.support import PASSWORD, add_user


def _ready_archive(app, owner, tenant) -> int:
    assert owner.post("/settings/your-data").status_code == 302
    waiting = owner.get("/settings/your-data", htmx=True).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting and "Waiting for a worker" in waiting
    work(app)
    with app.app_context():
        return db.session.scalar(
            select(AgencyArchive.id).where(AgencyArchive.tenant_id == tenant.info.id)
        )


def test_the_owner_makes_an_archive_and_downloads_it_after_the_password(app, owner, tenant, redis):
    assert "Download all your data" in owner.get("/settings/").get_data(as_text=True)
    archive_id = _ready_archive(app, owner, tenant)
    section = owner.get("/settings/your-data", htmx=True).get_data(as_text=True)
    assert "<html" not in section and f"/settings/your-data/{archive_id}/download" in section
    assert 'hx-trigger="every 2s"' not in section  # ready: the polling stops
    path = f"/settings/your-data/{archive_id}/download"
    assert owner.get(path).status_code == 200
    response = owner.post(path, {"password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'-archive-{archive_id}.tar"')
    with tarfile.open(fileobj=io.BytesIO(response.get_data())) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["agency"]["slug"] == tenant.slug
    assert {t["name"] for t in manifest["tables"]} >= {"bonds", "users", "audit_log"}
    with app.app_context(), bound(tenant.info, db.session):
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "archive.requested" in actions and "archive.downloaded" in actions
    with app.app_context():  # public rows never name the agency's people
        made_by = db.session.get(AgencyArchive, archive_id).created_by
    assert made_by == "the agency's owner"


def test_a_wrong_password_is_refused_beside_the_field(app, owner, tenant, redis):
    archive_id = _ready_archive(app, owner, tenant)
    response = owner.post(f"/settings/your-data/{archive_id}/download", {"password": "nope"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and "That is not your password." in html
    assert response.headers["Content-Type"].startswith("text/html")


def test_only_the_owner_sees_and_uses_the_section(app, owner, tenant, visit, redis):
    archive_id = _ready_archive(app, owner, tenant)
    admin = visit(tenant)
    admin.login(add_user(app, tenant.info, "admin").email)
    assert "Download all your data" not in admin.get("/settings/").get_data(as_text=True)
    assert admin.post("/settings/your-data").status_code == 403
    assert admin.get(f"/settings/your-data/{archive_id}/download").status_code == 403
    response = admin.post(f"/settings/your-data/{archive_id}/download", {"password": PASSWORD})
    assert response.status_code == 403
