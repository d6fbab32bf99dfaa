"""Master keys: `id:base64key` pairs from BBP_MASTER_KEYS, the first one current."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256


class KeyringError(RuntimeError):
    """The master key configuration is missing or malformed."""


@dataclass(frozen=True)
class MasterKey:
    """One master key and its stable id (the id is stored beside every wrapped data key)."""

    id: str
    key: bytes

    def wrap(self, data_key: bytes, context: str) -> bytes:
        """Encrypt a data key, bound to its tenant by the associated data."""
        nonce = secrets.token_bytes(12)
        return nonce + AESGCM(self.key).encrypt(nonce, data_key, context.encode())

    def unwrap(self, wrapped: bytes, context: str) -> bytes:
        """Decrypt a data key; fails if it was wrapped for another tenant or key."""
        return AESGCM(self.key).decrypt(wrapped[:12], wrapped[12:], context.encode())


def parse(spec: str) -> list[MasterKey]:
    """Parse 'id:base64,id:base64' into master keys, current first."""
    keys = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id:
            raise KeyringError("BBP_MASTER_KEYS entries look like 'id:base64key', comma-separated")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            raise KeyringError(f"master key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyringError(f"master key {key_id!r} must be {KEY_BYTES} bytes")
        keys.append(MasterKey(key_id, key))
    if not keys:
        raise KeyringError("BBP_MASTER_KEYS names no key")
    if len({k.id for k in keys}) != len(keys):
        raise KeyringError("BBP_MASTER_KEYS repeats a key id")
    return keys


def new_spec(key_id: str) -> str:
    """A fresh 'id:base64key' entry (for `flask keys generate`)."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def development_spec(instance_path: Path) -> str:
    """Read or create the development master key under instance/ (never used in production)."""
    path = instance_path / "master_keys"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(new_spec("dev1"))
        path.chmod(0o600)
    return path.read_text().strip()
