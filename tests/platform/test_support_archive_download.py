"""Downloading an agency's archive from the console is a support-access action: refused without
open access to that agency, and written to both audit logs when it happens."""

from __future__ import annotations

import io
import tarfile

import pytest

from bbp.dataio import archives
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from tests.platform.support_access import agency_log, approve, ask, latest_grant, platform_log


@pytest.fixture
def archive_id(app, tenant) -> int:
    with app.app_context():
        made = archives.start(tenant.info, "test", PlatformAuditEntry, queue=False)
        archive_id = made.id
        archives.build(archive_id)
        db.session.remove()
    return archive_id


def _download(console, tenant, archive_id):
    console.get(f"/platform/agencies/{tenant.slug}")
    return console.post(f"/platform/agencies/{tenant.info.id}/archives/{archive_id}/download")


def test_a_superadmin_cannot_download_without_support_access(console_as, tenant, archive_id):
    console = console_as("superadmin")
    page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
    assert "Download (support access)" not in page
    refused = _download(console, tenant, archive_id)
    assert refused.status_code == 302  # back to the agency page with the reason
    page = console.get(refused.headers["Location"]).get_data(as_text=True)
    assert "needs open support access to this agency" in page


def test_inside_open_support_access_the_download_is_audited_twice(
    app, console_as, owner, tenant, other_tenant, archive_id, clock
):
    console = console_as("support")
    ask(console, tenant)
    approve(owner, latest_grant(app, tenant).id)
    page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
    assert "Download (support access)" in page

    response = _download(console, tenant, archive_id)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'-archive-{archive_id}.tar"')
    with tarfile.open(fileobj=io.BytesIO(response.get_data())) as tar:
        assert "manifest.json" in tar.getnames()
    assert "support.archive_downloaded" in {e.action for e in agency_log(app, tenant)}
    assert "support.archive_downloaded" in {e.action for e in platform_log(app, tenant)}

    # The grant is for this agency only: the same archive id under another agency is refused.
    other = console.post(
        f"/platform/agencies/{other_tenant.info.id}/archives/{archive_id}/download"
    )
    assert other.status_code == 302
    clock.advance(minutes=61)  # the access has ended
    assert _download(console, tenant, archive_id).status_code == 302
