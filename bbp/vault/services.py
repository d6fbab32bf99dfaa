"""Encrypt and decrypt fields with the bound tenant's data key; rotate and shred keys."""

from __future__ import annotations

import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import delete, select

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.transactions import atomic
from bbp.tenancy import require_tenant
from bbp.vault.keyring import KEY_BYTES, MasterKey, parse
from bbp.vault.models import DataKey

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BI")  # format version, data key id


class VaultError(RuntimeError):
    """A value cannot be decrypted (its key was shredded, or it was tampered with)."""


def master_keys() -> list[MasterKey]:
    """The configured master keys, current first (parsed once per app)."""
    cache = current_app.extensions.setdefault("bbp_master_keys", {})
    spec = current_app.config["BBP_MASTER_KEYS"]
    if spec not in cache:
        cache[spec] = parse(spec)
    return cache[spec]


def _context() -> str:
    return f"bbp-data-key|{require_tenant().schema}"


def _unwrap(row: DataKey) -> bytes:
    cache = current_app.extensions.setdefault("bbp_data_keys", {})
    cache_key = (require_tenant().schema, row.id, row.wrapped_key)
    if cache_key not in cache:
        master = next((k for k in master_keys() if k.id == row.master_key_id), None)
        if master is None:
            raise VaultError(f"master key {row.master_key_id!r} is not configured")
        cache[cache_key] = master.unwrap(row.wrapped_key, _context())
    return cache[cache_key]


def _current_key() -> tuple[int, bytes]:
    row = db.session.scalar(select(DataKey).order_by(DataKey.id.desc()).limit(1))
    if row is None:  # first secret of this agency: make its data key
        master = master_keys()[0]
        row = DataKey(
            master_key_id=master.id,
            wrapped_key=master.wrap(secrets.token_bytes(KEY_BYTES), _context()),
        )
        db.session.add(row)
        db.session.flush()
    return row.id, _unwrap(row)


def encrypt(purpose: str, plaintext: str) -> bytes:
    """Encrypt one field value; `purpose` (e.g. 'defendants.ssn') must match on decrypt."""
    key_id, key = _current_key()
    header = _HEADER.pack(FORMAT_VERSION, key_id)
    nonce = secrets.token_bytes(12)
    return (
        header + nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), header + purpose.encode())
    )


def decrypt(purpose: str, blob: bytes) -> str:
    """Decrypt one field value of the bound tenant."""
    version, key_id = _HEADER.unpack_from(blob)
    if version != FORMAT_VERSION:
        raise VaultError(f"unknown encrypted format {version}")
    row = db.session.get(DataKey, key_id)
    if row is None:
        raise VaultError("this value's data key no longer exists")
    header, nonce, body = (
        blob[: _HEADER.size],
        blob[_HEADER.size : _HEADER.size + 12],
        blob[_HEADER.size + 12 :],
    )
    try:
        return AESGCM(_unwrap(row)).decrypt(nonce, body, header + purpose.encode()).decode()
    except InvalidTag:
        raise VaultError("the encrypted value does not match its key or purpose") from None


def rotate_master_key() -> int:
    """Re-wrap every data key of the bound tenant under the current master key."""
    current = master_keys()[0]
    rows = db.session.scalars(select(DataKey).where(DataKey.master_key_id != current.id)).all()
    for row in rows:
        data_key = _unwrap(row)
        row.wrapped_key, row.master_key_id = current.wrap(data_key, _context()), current.id
        row.rotated_at = utcnow()
    db.session.commit()
    return len(rows)


@atomic
def shred() -> int:
    """Delete the bound tenant's data keys: its encrypted fields become unreadable for good.

    A unit of work that joins the caller's (the purge drops the schema in the same commit)."""
    count = db.session.execute(delete(DataKey)).rowcount
    current_app.extensions.get("bbp_data_keys", {}).clear()
    return count


# Platform secrets (a platform admin's TOTP secret) belong to no agency, so no data key: they are
# sealed under the current master key itself, its id stored beside the value, and re-sealed
# under a newer master key whenever they are read (`needs_reseal`).
def seal(purpose: str, plaintext: str) -> bytes:
    """Encrypt a platform value under the current master key; `purpose` must match on open."""
    master = master_keys()[0]
    key_id = master.id.encode()
    nonce = secrets.token_bytes(12)
    aad = b"bbp-platform|" + purpose.encode() + b"|" + key_id
    body = AESGCM(master.key).encrypt(nonce, plaintext.encode(), aad)
    return bytes([len(key_id)]) + key_id + nonce + body


def _sealed_key_id(blob: bytes) -> str:
    return blob[1 : 1 + blob[0]].decode()


def unseal(purpose: str, blob: bytes) -> str:
    """Decrypt a platform value sealed by `seal`."""
    key_id = _sealed_key_id(blob)
    master = next((k for k in master_keys() if k.id == key_id), None)
    if master is None:
        raise VaultError(f"master key {key_id!r} is not configured")
    start = 1 + blob[0]
    nonce, body = blob[start : start + 12], blob[start + 12 :]
    aad = b"bbp-platform|" + purpose.encode() + b"|" + key_id.encode()
    try:
        return AESGCM(master.key).decrypt(nonce, body, aad).decode()
    except InvalidTag:
        raise VaultError("the sealed value does not match its key or purpose") from None


def needs_reseal(blob: bytes) -> bool:
    """Whether a sealed value was sealed under an older master key."""
    return _sealed_key_id(blob) != master_keys()[0].id
