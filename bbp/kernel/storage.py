"""Storage for uploaded files (defendant photos, ID scans, court papers) and shared upload checks.

Objects are addressed by tenant slug and key (e.g. ``photos/2f1c...9a.jpg``). `LocalStorage` keeps
them under ``root/<tenant_slug>/<key>``. An S3 backend comes later: implement the same four
methods of `Storage` with boto3 against any S3-compatible endpoint (bucket prefix
``<tenant_slug>/``, ``ContentType`` from `save`, ``NoSuchKey`` mapped to `FileNotFoundError`,
`purge` deleting every object under the prefix) and select it in `storage_from_config`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BACKENDS = ("local",)
DIR_MODE = 0o700
MEGABYTE = 1024 * 1024

# Leading character restricted so a slug can never look like an option or a hidden folder.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class Storage(Protocol):
    """Where uploaded files live, one namespace per tenant."""

    def save(self, tenant_slug: str, key: str, data: bytes, content_type: str) -> None:
        """Store data under key, replacing any existing object."""

    def load(self, tenant_slug: str, key: str) -> bytes:
        """Return the object's bytes; raise FileNotFoundError if there is none."""

    def delete(self, tenant_slug: str, key: str) -> None:
        """Remove the object; do nothing if it is already gone."""

    def usage(self, tenant_slug: str) -> int:
        """Bytes stored for one tenant (0 when it has nothing stored)."""

    def purge(self, tenant_slug: str) -> int:
        """Remove every object of the tenant (its purge); returns how many there were."""

    def keys(self, tenant_slug: str) -> list[str]:
        """Every key stored for the tenant, sorted (exports walk them all)."""


class LocalStorage:
    """Files on the local filesystem under root/<tenant_slug>/<key>."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, tenant_slug: str, key: str, data: bytes, content_type: str) -> None:
        """Write data atomically; the content type is only kept by backends that store metadata."""
        path = self._path(tenant_slug, key)
        _make_dirs(path.parent)
        _write_atomically(path, data)

    def load(self, tenant_slug: str, key: str) -> bytes:
        """Return the file's bytes; raise FileNotFoundError if there is none."""
        path = self._path(tenant_slug, key)
        try:
            return path.read_bytes()
        except IsADirectoryError:
            raise FileNotFoundError(key) from None

    def delete(self, tenant_slug: str, key: str) -> None:
        """Remove the file; do nothing if it is already gone."""
        path = self._path(tenant_slug, key)
        with contextlib.suppress(IsADirectoryError):
            path.unlink(missing_ok=True)

    def usage(self, tenant_slug: str) -> int:
        """Sum of the sizes of the files under the tenant's folder (symlinks not followed)."""
        folder = self.root / check_slug(tenant_slug)
        total = 0
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                with contextlib.suppress(FileNotFoundError):  # deleted while we walk
                    total += os.lstat(os.path.join(dirpath, name)).st_size
        return total

    def purge(self, tenant_slug: str) -> int:
        """Remove the tenant's whole folder; returns how many files it held."""
        folder = self.root / check_slug(tenant_slug)
        if not folder.is_dir():
            return 0
        count = sum(1 for path in folder.rglob("*") if path.is_file())
        shutil.rmtree(folder)
        return count

    def keys(self, tenant_slug: str) -> list[str]:
        """Every file under the tenant folder, skipping half-written temporary files."""
        folder = self.root / check_slug(tenant_slug)
        if not folder.is_dir():
            return []
        found = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        return sorted(k for k in found if not k.rsplit("/", 1)[-1].startswith("."))

    def _path(self, tenant_slug: str, key: str) -> Path:
        """Return the file's path, refusing anything that would land outside the tenant folder."""
        folder = self.root / check_slug(tenant_slug)
        path = folder / check_key(key)
        # Resolving also catches symlinks planted inside the tenant folder.
        if not path.resolve().is_relative_to(folder.resolve()):
            raise ValueError("Storage key escapes the tenant folder.")
        return path


def check_slug(tenant_slug: str) -> str:
    """Return the tenant slug if it is lowercase letters, digits and hyphens; else ValueError."""
    if not isinstance(tenant_slug, str) or not SLUG.fullmatch(tenant_slug):
        raise ValueError(f"Invalid tenant slug for storage: {tenant_slug!r}")
    return tenant_slug


def check_key(key: str) -> str:
    """Return key if it is /-joined [A-Za-z0-9._-] segments, no . or ..; else ValueError."""
    segments = key.split("/") if isinstance(key, str) else [""]
    for segment in segments:
        if not SEGMENT.fullmatch(segment) or segment in {".", ".."}:
            raise ValueError(f"Invalid storage key: {key!r}")
    return key


def new_key(prefix: str, extension: str) -> str:
    """Return a fresh unguessable key such as photos/2f1c...9a.jpg."""
    return check_key(f"{prefix}/{secrets.token_hex(16)}.{extension.removeprefix('.')}")


def _make_dirs(folder: Path) -> None:
    """Create folder and any missing parents, each with DIR_MODE."""
    # Path.mkdir(parents=True) ignores mode for the parents, so create each level ourselves.
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=DIR_MODE, exist_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a temp file beside path, then rename it over path so readers never see half a file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def storage_from_config(config: Mapping) -> Storage:
    """Return the backend named by STORAGE_BACKEND ("local" by default)."""
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStorage(Path(config["STORAGE_ROOT"]))
    raise ValueError(
        f"Unsupported STORAGE_BACKEND {backend!r}; supported backends: {', '.join(BACKENDS)}."
    )


# Upload checks ---------------------------------------------------------------


@dataclass(frozen=True)
class UploadKind:
    """One kind of upload: a name for messages, a size limit and sniffed type → extension."""

    name: str
    max_bytes: int
    types: dict[str, str]


IMAGE = UploadKind(
    "photo", 5 * MEGABYTE, {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
)
DOCUMENT = UploadKind(
    "document", 10 * MEGABYTE, {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
)

# Each type's magic bytes as (offset, bytes) pairs that must all match.
SIGNATURES = (
    ("image/jpeg", ((0, b"\xff\xd8\xff"),)),
    ("image/png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ("image/webp", ((0, b"RIFF"), (8, b"WEBP"))),
    ("application/pdf", ((0, b"%PDF-"),)),
)
TYPE_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "application/pdf": "PDF",
}


class UploadError(ValueError):
    """An upload was refused; the message is safe to show to the user."""


def N_(message: str) -> str:
    """Mark a message for the translation catalog; whoever shows it translates it."""
    return message


# The messages check_upload builds for DOCUMENT, which the portal shows with gettext(); listed
# so `make translations` extracts them (tests/test_translations.py checks they stay in step).
PORTAL_MESSAGES = (
    N_("The file is empty."),
    N_("The document is larger than 10 MB."),
    N_("A document must be a PDF, JPEG or PNG file."),
)


def sniff(data: bytes) -> str | None:
    """Return the content type shown by the magic bytes, or None; never the filename or browser."""
    for content_type, parts in SIGNATURES:
        if all(data[offset : offset + len(magic)] == magic for offset, magic in parts):
            return content_type
    return None


def check_upload(data: bytes, kind: UploadKind) -> tuple[str, str]:
    """Return (content_type, extension) for an acceptable upload of kind; else raise UploadError."""
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > kind.max_bytes:
        raise UploadError(f"The {kind.name} is larger than {kind.max_bytes / MEGABYTE:g} MB.")
    content_type = sniff(data)
    if content_type not in kind.types:
        raise UploadError(_wrong_type_message(kind))
    return content_type, kind.types[content_type]


def _wrong_type_message(kind: UploadKind) -> str:
    """Return e.g. "A photo must be a JPEG, PNG or WebP image." from the kind's types."""
    labels = [TYPE_LABELS.get(t, t.split("/")[-1].upper()) for t in kind.types]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    noun = "image" if all(t.startswith("image/") for t in kind.types) else "file"
    article = "An" if kind.name.lower().startswith(tuple("aeiou")) else "A"
    return f"{article} {kind.name} must be a {listed} {noun}."
