"""An archive's plain content: a tar of manifest.json, tables/<name>.jsonl and files/<key>.

`pack` reads the bound agency (tables from the catalog, files from storage); `unpack` checks
every checksum the manifest lists before anything is used, and refuses on the first mismatch.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from bbp.dataio import dump
from bbp.dataio.sealing import DamagedArchive
from bbp.kernel import storage
from bbp.tenancy import TenantInfo

FORMAT = "bbp-agency-archive"
FORMAT_VERSION = 1
ARCHIVE_PREFIX = "archives/"  # the agency's own archives live among its files: never archived
Progress = Callable[[int, int, str], None]  # (done, total, step)


@dataclass
class Contents:
    """An archive opened and checked: its manifest, table dumps and file bytes."""

    manifest: dict
    tables: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    """The hex SHA-256 the manifest lists for a table dump or a file."""
    return hashlib.sha256(data).hexdigest()


def agency_files(slug: str) -> list[str]:
    """Keys of every stored file of the agency but its archives."""
    backend = storage.storage_from_config(current_app.config)
    return [k for k in backend.keys(slug) if not k.startswith(ARCHIVE_PREFIX)]


def _add(tar: tarfile.TarFile, name: str, data: bytes, when: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(when.timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def pack(
    agency: TenantInfo, archive_id: int, revision: str, now: datetime, progress: Progress
) -> tuple[bytes, dict]:
    """The bound agency as a tar and its manifest; progress is told after each table and file."""
    tables, keys = dump.archived_tables(), agency_files(agency.slug)
    total, done = len(tables) + len(keys), 0
    buffer = io.BytesIO()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "archive_id": archive_id,
        "created_at": now.isoformat(),
        "schema_revision": revision,
        "agency": {
            "slug": agency.slug,
            "name": agency.name,
            "timezone": agency.timezone,
            "state": agency.state,
            "status": agency.status,
        },
        "encrypted_values": "decrypted",
        "tables": [],
        "sequences": dump.sequences(),
        "files": [],
    }
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in tables:
            table = dump.dump_table(name)
            _add(tar, f"tables/{name}.jsonl", table.data, now)
            manifest["tables"].append(
                {"name": name, "columns": table.columns, "rows": table.rows, "sha256": table.sha256}
            )
            done += 1
            progress(done, total, f"Table {name}")
        backend = storage.storage_from_config(current_app.config)
        for key in keys:
            data = backend.load(agency.slug, key)
            _add(tar, f"files/{key}", data, now)
            manifest["files"].append({"key": key, "size": len(data), "sha256": sha256(data)})
            done += 1
            progress(done, total, f"File {done - len(tables)} of {len(keys)}")
        _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), now)
    return buffer.getvalue(), manifest


def _members(plain: bytes) -> dict[str, bytes]:
    try:
        with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    except tarfile.TarError:
        raise DamagedArchive("The archive's content is not a readable tar file.") from None


def unpack(plain: bytes) -> Contents:
    """Open an archive's tar and check the manifest and every checksum it lists."""
    members = _members(plain)
    try:
        manifest = json.loads(members["manifest.json"])
    except (KeyError, ValueError):
        raise DamagedArchive("The archive has no readable manifest.") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise DamagedArchive("The archive's manifest is not a version 1 agency archive.")
    contents = Contents(manifest)
    for table in manifest["tables"]:
        data = members.get(f"tables/{table['name']}.jsonl")
        if data is None or sha256(data) != table["sha256"]:
            raise DamagedArchive(f"Table {table['name']} does not match its checksum.")
        contents.tables[table["name"]] = data
    for item in manifest["files"]:
        data = members.get(f"files/{item['key']}")
        if data is None or sha256(data) != item["sha256"]:
            raise DamagedArchive(f"File {item['key']} does not match its checksum.")
        try:
            storage.check_key(item["key"])
        except ValueError:
            raise DamagedArchive(f"File {item['key']!r} has a key storage refuses.") from None
        contents.files[item["key"]] = data
    return contents
