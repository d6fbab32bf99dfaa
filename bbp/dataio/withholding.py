"""What an archive handed to a person leaves out, marked in its manifest.

The sealed archive keeps everything, so a restore gives back working accounts. A download never
carries credentials (password hashes, two-step secrets and recovery codes, the agency's Twilio
token): they are keys, not the agency's data, and a copy of them outlives any password change.
A download made under support access also leaves out SSNs and license numbers, which support
access never reveals (docs/platform-support.md).
"""

from __future__ import annotations

import io
import json
import tarfile

from bbp.dataio import dump, packing

CREDENTIALS = frozenset(
    {
        ("users", "password_hash"),
        ("users", "totp_secret_encrypted"),
        ("users", "recovery_hashes"),
        ("agency_settings", "twilio_auth_token_encrypted"),
    }
)
IDENTITY_NUMBERS = frozenset({("defendants", "ssn_encrypted"), ("defendants", "dl_encrypted")})
FOR_THE_OWNER = CREDENTIALS
FOR_SUPPORT = CREDENTIALS | IDENTITY_NUMBERS


def withheld(plain: bytes, columns: frozenset[tuple[str, str]]) -> bytes:
    """The archive's tar with those columns emptied (null) and the manifest saying so."""
    contents = packing.unpack(plain)
    manifest = contents.manifest | {"withheld": sorted(f"{t}.{c}" for t, c in columns)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for table in manifest["tables"]:
            data = contents.tables[table["name"]]
            spots = [i for i, c in enumerate(table["columns"]) if (table["name"], c) in columns]
            if spots:
                data = _emptied(data, spots)
                table["sha256"] = packing.sha256(data)
            _add(tar, f"tables/{table['name']}.jsonl", data)
        for key, data in contents.files.items():
            _add(tar, f"files/{key}", data)
        _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
    return buffer.getvalue()


def _emptied(data: bytes, spots: list[int]) -> bytes:
    lines = []
    for row in dump.parse_rows(data):
        for index in spots:
            row[index] = None
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(lines).encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))
