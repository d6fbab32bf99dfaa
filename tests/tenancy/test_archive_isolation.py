"""An agency's archive is never another agency's: not listed, not downloadable, not restored over."""

from __future__ import annotations

from sqlalchemy import select

from bbp.dataio.models import AgencyArchive
from bbp.extensions import db
from tests.platform.archive_support import work
from tests.support import PASSWORD


def test_another_agencys_owner_can_never_reach_an_archive(
    app, owner, tenant, other_tenant, visit, redis
):
    assert owner.post("/settings/your-data").status_code == 302
    work(app)
    with app.app_context():
        archive_id = db.session.scalar(
            select(AgencyArchive.id).where(AgencyArchive.tenant_id == tenant.info.id)
        )
    intruder = visit(other_tenant)
    assert intruder.login(other_tenant.owner_email).status_code == 302
    path = f"/settings/your-data/{archive_id}/download"
    assert intruder.get(path).status_code == 404
    response = intruder.post(path, {"password": PASSWORD})
    assert response.status_code == 404 and b"manifest.json" not in response.get_data()
    assert f"Archive #{archive_id}" not in intruder.get("/settings/").get_data(as_text=True)
