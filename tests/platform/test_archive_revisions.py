"""An archive made before a deploy restores after it: built at its revision, then migrated."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

from bbp.dataio import archives, dump, packing, sealing
from bbp.extensions import db
from bbp.platform import restore
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy import TenantInfo, bound
from bbp.tenancy.migrate import upgrade_schema
from bbp.tenancy.schema import head_revision
from tests.platform.archive_support import SSN, everything, fill, revision_of, work
from tests.support import Agency, unique_slug

OLD = "a7d3e2c41b90"  # the tenant revision before text pacing added columns to two tables
SCRATCH = TenantInfo(0, "scratch", "", "t_archive_scratch", "active", "UTC", None)


def _shape_at(revision: str) -> dict[str, list[str]]:
    """The archived tables and their columns in a schema migrated up to revision."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCRATCH.schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCRATCH.schema}")
    try:
        upgrade_schema(db.engine, SCRATCH.schema, revision)
        with bound(SCRATCH, db.session):
            return {table: dump.columns(table) for table in dump.archived_tables()}
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCRATCH.schema} CASCADE")


def _as_made_at(revision: str, archive_id: int, sealed: bytes) -> bytes:
    """The archive as that revision would have made it: its tables and columns only."""
    shape = _shape_at(revision)
    _, plain = sealing.unseal(sealed)
    contents = packing.unpack(plain)
    manifest = contents.manifest | {"schema_revision": revision, "tables": []}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for table in contents.manifest["tables"]:
            if table["name"] not in shape:
                continue
            keep = [i for i, c in enumerate(table["columns"]) if c in shape[table["name"]]]
            rows = [
                [row[i] for i in keep] for row in dump.parse_rows(contents.tables[table["name"]])
            ]
            data = "".join(json.dumps(r) + "\n" for r in rows).encode()
            add(f"tables/{table['name']}.jsonl", data)
            manifest["tables"].append(
                {"name": table["name"], "columns": [table["columns"][i] for i in keep],
                 "rows": len(rows), "sha256": hashlib.sha256(data).hexdigest()}
            )  # fmt: skip
        for key, data in contents.files.items():
            add(f"files/{key}", data)
        add("manifest.json", json.dumps(manifest).encode())
    return sealing.seal(archive_id, buffer.getvalue())


def test_an_archive_from_an_older_revision_is_restored_and_migrated_to_head(app, tenant, redis):
    assert head_revision() != OLD
    fill(app, tenant)
    work(app)
    before = everything(app, tenant)
    with app.app_context():
        archive_id = archives.start(tenant.info, "test", PlatformAuditEntry, queue=False).id
        made = archives.build(archive_id)
        sealed = archives.sealed_bytes(made)
        db.session.rollback()
        old = _as_made_at(OLD, archive_id, sealed)
    slug = unique_slug("old-copy")
    try:
        with app.app_context():
            info = restore.restore(old, slug, "test")
        copy = Agency(info, tenant.owner_email)
        assert revision_of(app, copy) == head_revision()
        after = everything(app, copy)
        for table in ("bonds", "defendants", "payments", "signature_events", "audit_log"):
            assert after[table] == before[table]
        assert SSN.replace("-", "") in {row["ssn_encrypted"] for row in after["defendants"]}
    finally:
        with app.app_context():
            drop_tenant(slug)
