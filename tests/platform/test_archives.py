"""Archives from the console and the CLI: progress, roles, encryption at rest, tampering, expiry."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from bbp.dataio import archives, packing, sealing, withholding
from bbp.extensions import db
from bbp.kernel import storage
from bbp.kernel.errors import DomainError
from bbp.platform import restore
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy.models import Tenant
from tests.platform.archive_support import SSN, archive, fill, work
from tests.support import unique_slug


def _made(app, agency) -> int:
    with app.app_context():
        return archives.start(agency.info, "test", PlatformAuditEntry).id


def _stored(app, agency, archive_id) -> bytes:
    found = archive(app, archive_id)
    return storage.storage_from_config(app.config).load(agency.slug, found.storage_key)


def _refusal(app, call) -> str:
    with app.app_context(), pytest.raises(DomainError) as refused:
        call()
    return refused.value.message


def test_a_superadmin_makes_an_archive_and_watches_its_progress(app, console_as, tenant, redis):
    console = console_as("superadmin")
    page = f"/platform/agencies/{tenant.info.id}/archives"
    assert console.post(page).status_code == 302
    waiting = console.get(page, htmx=True).get_data(as_text=True)
    assert "<html" not in waiting and 'hx-trigger="every 2s"' in waiting
    assert "Waiting for a worker" in waiting
    work(app)
    done = console.get(page).get_data(as_text=True)
    assert "Ready" in done and 'hx-trigger="every 2s"' not in done
    assert "Restore archive" in done
    with app.app_context():
        entry = db.session.scalars(
            select(PlatformAuditEntry).where(PlatformAuditEntry.action == "archive.requested")
        ).all()[-1]
        assert entry.actor_label == console.email and entry.after["agency"] == tenant.slug


def test_a_second_archive_waits_for_the_first(app, console_as, tenant, redis):
    _made(app, tenant)
    console = console_as("superadmin")
    response = console.post(f"/platform/agencies/{tenant.info.id}/archives", follow_redirects=True)
    assert "already being made" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["support", "finance"])
def test_only_superadmins_make_or_restore_archives(app, console_as, tenant, redis, role):
    archive_id = _made(app, tenant)
    work(app)
    console = console_as(role)
    base = f"/platform/agencies/{tenant.info.id}/archives"
    assert console.post(base).status_code == 403
    assert console.post(f"{base}/{archive_id}/restore", {"slug": "x-copy"}).status_code == 403
    page = console.get(base).get_data(as_text=True)
    assert "Make an archive" not in page and "Restore archive" not in page


def test_the_stored_archive_holds_no_plain_agency_data(app, tenant, redis):
    fill(app, tenant)
    archive_id = _made(app, tenant)
    work(app)
    sealed = _stored(app, tenant, archive_id)
    for plain in (b"Marcus", b"Reyes", SSN.replace("-", "").encode(), b"Alpha Bail Bonds",
                  b"manifest.json", b"\x89PNG", b"%PDF-"):  # fmt: skip
        assert plain not in sealed
    with app.app_context():
        for_owner = b"".join(archives.open_archive(archive_id, withholding.FOR_THE_OWNER))
        for_support = b"".join(archives.open_archive(archive_id, withholding.FOR_SUPPORT))
    with tarfile.open(fileobj=io.BytesIO(for_owner)) as tar:
        names = tar.getnames()
        defendants = tar.extractfile("tables/defendants.jsonl").read()
        users = tar.extractfile("tables/users.jsonl").read()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "manifest.json" in names and any(n.startswith("files/photos/") for n in names)
    assert SSN.replace("-", "").encode() in defendants  # portable: the owner's data, decrypted
    assert b"$argon2" not in users  # credentials never leave: keys, not data
    assert "users.password_hash" in manifest["withheld"]
    with tarfile.open(fileobj=io.BytesIO(for_support)) as tar:
        defendants = tar.extractfile("tables/defendants.jsonl").read()
        assert b"$argon2" not in tar.extractfile("tables/users.jsonl").read()
    assert SSN.replace("-", "").encode() not in defendants  # support access never reveals it
    assert b"Marcus" in defendants  # the rest of the row stays


def test_a_tampered_archive_is_refused_and_nothing_is_made(app, console_as, tenant, redis):
    archive_id = _made(app, tenant)
    work(app)
    found = archive(app, archive_id)
    sealed = bytearray(_stored(app, tenant, archive_id))
    sealed[-10] ^= 0xFF
    storage.storage_from_config(app.config).save(tenant.slug, found.storage_key, bytes(sealed), "")
    console = console_as("superadmin")
    slug = unique_slug("copy")
    response = console.post(
        f"/platform/agencies/{tenant.info.id}/archives/{archive_id}/restore", {"slug": slug}
    )
    assert response.status_code == 422
    assert "integrity check" in response.get_data(as_text=True)
    # Even with its recorded checksum matched, the seal itself refuses the changed bytes.
    message = _refusal(app, lambda: restore.restore(bytes(sealed), slug, "test"))
    assert "tampered" in message
    with app.app_context():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == slug)) is None


def test_a_table_that_does_not_match_the_manifest_is_refused(app, tenant, redis):
    archive_id = _made(app, tenant)
    work(app)
    with app.app_context():
        _, plain = sealing.unseal(_stored(app, tenant, archive_id))
        members = {}
        with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
            for member in tar.getmembers():
                members[member.name] = tar.extractfile(member).read()
        members["tables/users.jsonl"] += b'["99","x"]\n'
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        resealed = sealing.seal(archive_id, buffer.getvalue())
    message = _refusal(app, lambda: restore.restore(resealed, unique_slug("copy"), "test"))
    assert message == "Table users does not match its checksum."


def test_an_archive_from_a_newer_deploy_is_refused(app):
    message = _refusal(app, lambda: restore.check_revision("ffffffffffff"))
    assert "does not know" in message


def test_a_restore_into_a_taken_subdomain_is_refused_beside_the_field(
    app, console_as, tenant, other_tenant, redis
):
    archive_id = _made(app, tenant)
    work(app)
    console = console_as("superadmin")
    response = console.post(
        f"/platform/agencies/{tenant.info.id}/archives/{archive_id}/restore",
        {"slug": other_tenant.slug},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="slug-error"' in html and "already taken" in html


def test_archives_expire_and_the_cleanup_deletes_them(app, tenant, redis, clock):
    archive_id = _made(app, tenant)
    work(app)
    found = archive(app, archive_id)
    assert found.expires_at - found.finished_at == timedelta(days=7)
    clock.advance(minutes=7 * 24 * 60 + 1)
    message = _refusal(app, lambda: list(archives.open_archive(archive_id, frozenset())))
    assert "expired" in message
    with app.app_context():
        assert archives.expire() == 1
    assert archive(app, archive_id).status == "expired"
    backend = storage.storage_from_config(app.config)
    assert not [k for k in backend.keys(tenant.slug) if k.startswith(packing.ARCHIVE_PREFIX)]


def test_the_cli_exports_and_restores_with_the_same_services(app, tenant, redis, tmp_path):
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["tenants", "export", tenant.slug])
    assert exported.exit_code == 0, exported.output
    archive_id = int(exported.output.split("#")[1].split()[0])
    sealed = tmp_path / "agency.bbpa"
    sealed.write_bytes(_stored(app, tenant, archive_id))
    slug = unique_slug("cli-copy")
    try:
        restored = runner.invoke(args=["tenants", "restore", str(sealed), slug])
        assert restored.exit_code == 0, restored.output
        assert f"({slug})" in restored.output
        again = runner.invoke(args=["tenants", "restore", str(archive_id), slug])
        assert again.exit_code == 1 and "already taken" in again.output
    finally:
        with app.app_context():
            drop_tenant(slug)


def test_the_job_reports_progress_after_each_table_and_file(app, tenant, redis, monkeypatch):
    fill(app, tenant)
    work(app)
    written: list[dict] = []
    real = archives._set
    monkeypatch.setattr(
        archives, "_set", lambda archive_id, **v: (written.append(v), real(archive_id, **v))
    )
    with app.app_context():
        archive_id = archives.start(tenant.info, "test", PlatformAuditEntry, queue=False).id
        archives.build(archive_id)
    percents = [v["progress"] for v in written if "progress" in v]
    steps = [v.get("step", "") for v in written]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 100
    assert len(set(percents)) > 10  # it moves as tables and files are written, not at the end
    assert any(s.startswith("Table ") for s in steps) and any(s.startswith("File ") for s in steps)
    assert written[0]["status"] == "running" and written[-1]["status"] == "ready"


def test_a_failed_export_says_so_without_quoting_the_error(app, tenant, redis, monkeypatch):
    def broken(*_args):
        raise RuntimeError("row (Marcus Reyes, 123-45-6789) broke it")

    monkeypatch.setattr(packing, "pack", broken)
    with app.app_context():
        archive_id = archives.start(tenant.info, "test", PlatformAuditEntry, queue=False).id
        with pytest.raises(RuntimeError):
            archives.build(archive_id)
    failed = archive(app, archive_id)
    assert failed.status == "failed" and "Marcus" not in failed.error
    assert "worker log" in failed.error


def test_an_export_whose_worker_died_stops_blocking_the_next(app, tenant, redis, clock):
    _made(app, tenant)  # queued, and no worker ever takes it
    clock.advance(minutes=3 * 60)
    with app.app_context():
        archive_id = archives.start(tenant.info, "test", PlatformAuditEntry, queue=False).id
        stalled = db.session.scalars(
            select(archives.AgencyArchive).where(archives.AgencyArchive.status == "failed")
        ).all()
    assert [a.error for a in stalled] == [archives.STALLED]
    assert archive(app, archive_id).status == "queued"
