"""Archives at rest: AES-256-GCM under a fresh data key per archive, wrapped by the master key.

A sealed archive is one header line (JSON: format, archive id, master key id, wrapped key,
nonce) and the ciphertext; the header is the associated data, so changing any byte of either
fails the tag. Rotating master keys leaves older archives readable while their key is configured.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bbp.kernel.errors import DomainError
from bbp.vault.services import master_keys

MAGIC = "bbp-sealed-archive"
VERSION = 1
KEY_BYTES = 32


class DamagedArchive(DomainError):
    """The archive cannot be opened: damaged, tampered with, or sealed under a missing key."""


@dataclass(frozen=True)
class Sealed:
    """What the header of a sealed archive says."""

    archive_id: int
    master_key_id: str


def _context(archive_id: int) -> str:
    return f"bbp-archive|{archive_id}"


def seal(archive_id: int, plain: bytes) -> bytes:
    """Encrypt an archive under a new data key wrapped by the current master key."""
    master = master_keys()[0]
    data_key, nonce = secrets.token_bytes(KEY_BYTES), secrets.token_bytes(12)
    header = {
        "format": MAGIC,
        "version": VERSION,
        "archive": archive_id,
        "master_key": master.id,
        "wrapped_key": base64.b64encode(master.wrap(data_key, _context(archive_id))).decode(),
        "nonce": base64.b64encode(nonce).decode(),
    }
    line = json.dumps(header, sort_keys=True).encode() + b"\n"
    return line + AESGCM(data_key).encrypt(nonce, plain, line)


def header(blob: bytes) -> dict:
    """The sealed archive's header, or DamagedArchive."""
    line, newline, _ = blob.partition(b"\n")
    try:
        found = json.loads(line) if newline else None
    except ValueError:
        found = None
    if not isinstance(found, dict) or found.get("format") != MAGIC:
        raise DamagedArchive("This file is not a sealed agency archive.")
    if found.get("version") != VERSION:
        raise DamagedArchive(f"This archive uses format {found.get('version')}, not {VERSION}.")
    return found


def unseal(blob: bytes) -> tuple[Sealed, bytes]:
    """Decrypt a sealed archive; DamagedArchive if any byte was changed."""
    found = header(blob)
    line = blob[: blob.index(b"\n") + 1]
    master = next((k for k in master_keys() if k.id == found.get("master_key")), None)
    if master is None:
        raise DamagedArchive(
            f"This archive was sealed under master key {found.get('master_key')!r}, "
            "which is not configured."
        )
    try:
        archive_id = int(found["archive"])
        data_key = master.unwrap(base64.b64decode(found["wrapped_key"]), _context(archive_id))
        plain = AESGCM(data_key).decrypt(base64.b64decode(found["nonce"]), blob[len(line) :], line)
    except (InvalidTag, KeyError, ValueError, TypeError):
        raise DamagedArchive(
            "The archive failed its integrity check: it was damaged or tampered with."
        ) from None
    return Sealed(archive_id, master.id), plain
