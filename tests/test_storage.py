"""File storage: tenant isolation, path safety, atomic writes, and the shared upload checks."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from bbp.kernel.storage import (
    DOCUMENT,
    IMAGE,
    LocalStorage,
    UploadError,
    UploadKind,
    check_upload,
    new_key,
    sniff,
    storage_from_config,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HTML = b"<!DOCTYPE html><script>alert(1)</script>"
MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# Local storage --------------------------------------------------------------


def test_round_trip(storage):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    assert storage.load("acme", "photos/abc.jpg") == JPEG


def test_save_replaces_existing_file(storage):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")
    storage.save("acme", "photos/abc.jpg", PNG, "image/png")

    assert storage.load("acme", "photos/abc.jpg") == PNG


def test_files_live_in_one_folder_per_tenant(storage, tmp_path):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")
    storage.save("bail-4-u", "photos/abc.jpg", PNG, "image/png")

    assert (tmp_path / "files" / "acme" / "photos" / "abc.jpg").read_bytes() == JPEG
    assert (tmp_path / "files" / "bail-4-u" / "photos" / "abc.jpg").read_bytes() == PNG


def test_tenant_cannot_load_another_tenants_key(storage):
    storage.save("tenant-b", "photos/abc.jpg", JPEG, "image/jpeg")

    with pytest.raises(FileNotFoundError):
        storage.load("tenant-a", "photos/abc.jpg")


def test_load_missing_raises_file_not_found(storage):
    with pytest.raises(FileNotFoundError):
        storage.load("acme", "photos/missing.jpg")


def test_load_of_a_folder_raises_file_not_found(storage):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    with pytest.raises(FileNotFoundError):
        storage.load("acme", "photos")


def test_folders_are_created_private(storage, tmp_path):
    storage.save("acme", "ids/2024/scan.pdf", PDF, "application/pdf")

    for folder in ("files", "files/acme", "files/acme/ids", "files/acme/ids/2024"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700, folder


def test_atomic_write_leaves_no_temp_files(storage, tmp_path):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")
    storage.save("acme", "photos/abc.jpg", PNG, "image/png")

    assert files_under(tmp_path / "files") == [tmp_path / "files" / "acme" / "photos" / "abc.jpg"]


def test_failed_write_removes_its_temp_file_and_keeps_the_old_one(storage, tmp_path, monkeypatch):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        storage.save("acme", "photos/abc.jpg", PNG, "image/png")

    assert files_under(tmp_path / "files") == [tmp_path / "files" / "acme" / "photos" / "abc.jpg"]
    assert storage.load("acme", "photos/abc.jpg") == JPEG


def test_delete_removes_the_file(storage):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    storage.delete("acme", "photos/abc.jpg")

    with pytest.raises(FileNotFoundError):
        storage.load("acme", "photos/abc.jpg")


def test_delete_is_idempotent(storage):
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    storage.delete("acme", "photos/abc.jpg")
    storage.delete("acme", "photos/abc.jpg")
    storage.delete("acme", "never/existed.jpg")


def test_delete_leaves_other_tenants_alone(storage):
    storage.save("tenant-a", "photos/abc.jpg", JPEG, "image/jpeg")

    storage.delete("tenant-b", "photos/abc.jpg")

    assert storage.load("tenant-a", "photos/abc.jpg") == JPEG


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/etc/passwd",
        "a/../../b",
        "a//b",
        "a/./b",
        "..",
        ".",
        "",
        "photos/",
        "photos\\..\\x",
        "photos/a\x00.jpg",
        "photos/a b.jpg",
        "photos/é.jpg",
        "photos/a.jpg\n",
    ],
)
def test_unsafe_keys_are_refused(storage, tmp_path, key):
    for action in (
        lambda: storage.save("acme", key, JPEG, "image/jpeg"),
        lambda: storage.load("acme", key),
        lambda: storage.delete("acme", key),
    ):
        with pytest.raises(ValueError):
            action()

    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "slug",
    ["../t", "..", ".", "", "Acme", "acme/photos", "/srv", "acme\x00", "-acme", "acme\n", "ácme"],
)
def test_unsafe_tenant_slugs_are_refused(storage, tmp_path, slug):
    for action in (
        lambda: storage.save(slug, "photos/abc.jpg", JPEG, "image/jpeg"),
        lambda: storage.load(slug, "photos/abc.jpg"),
        lambda: storage.delete(slug, "photos/abc.jpg"),
    ):
        with pytest.raises(ValueError):
            action()

    assert files_under(tmp_path) == []


def test_symlink_out_of_the_tenant_folder_is_refused(storage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")
    (tmp_path / "files" / "acme" / "link").symlink_to(outside)

    with pytest.raises(ValueError):
        storage.load("acme", "link/secret.txt")
    with pytest.raises(ValueError):
        storage.save("acme", "link/new.txt", b"x", "text/plain")

    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_new_key_is_random_and_keeps_prefix_and_extension():
    first = new_key("photos", "jpg")
    second = new_key("photos", "jpg")

    assert re.fullmatch(r"photos/[0-9a-f]{32}\.jpg", first)
    assert first != second


def test_new_key_refuses_unsafe_prefix():
    with pytest.raises(ValueError):
        new_key("../photos", "jpg")


def test_new_key_works_with_storage(storage):
    key = new_key("ids", "pdf")

    storage.save("acme", key, PDF, "application/pdf")

    assert storage.load("acme", key) == PDF


# Config ---------------------------------------------------------------------


def test_storage_from_config_defaults_to_local(tmp_path):
    storage = storage_from_config({"STORAGE_ROOT": str(tmp_path)})

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path


def test_storage_from_config_local_backend(tmp_path):
    storage = storage_from_config({"STORAGE_BACKEND": "local", "STORAGE_ROOT": str(tmp_path)})
    storage.save("acme", "photos/abc.jpg", JPEG, "image/jpeg")

    assert (tmp_path / "acme" / "photos" / "abc.jpg").read_bytes() == JPEG


def test_storage_from_config_refuses_unknown_backend(tmp_path):
    with pytest.raises(ValueError, match=r"'s3'.*supported backends: local"):
        storage_from_config({"STORAGE_BACKEND": "s3", "STORAGE_ROOT": str(tmp_path)})


# Sniffing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff", "image/jpeg"),
        (JPEG, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (PNG, "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
        (WEBP, "image/webp"),
        (b"%PDF-", "application/pdf"),
        (PDF, "application/pdf"),
    ],
)
def test_sniff_recognises_magic_bytes(data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"\x89PNG",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"RIFF\x00\x00\x00\x00WEB",
        b"%PDF",
        b" %PDF-1.7",
        HTML,
        b"GIF89a",
        b"hello",
    ],
)
def test_sniff_returns_none_for_anything_else(data):
    assert sniff(data) is None


# Upload checks --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [(JPEG, ("image/jpeg", "jpg")), (PNG, ("image/png", "png")), (WEBP, ("image/webp", "webp"))],
)
def test_photo_accepts_jpeg_png_and_webp(data, expected):
    assert check_upload(data, IMAGE) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, ("application/pdf", "pdf")), (JPEG, ("image/jpeg", "jpg")), (PNG, ("image/png", "png"))],
)
def test_document_accepts_pdf_jpeg_and_png(data, expected):
    assert check_upload(data, DOCUMENT) == expected


@pytest.mark.parametrize("data", [PDF, HTML])
def test_file_named_jpg_with_other_content_is_refused_as_photo(data):
    # Only the bytes reach check_upload; a "mugshot.jpg" filename or image/jpeg header changes nothing.
    with pytest.raises(UploadError) as refused:
        check_upload(data, IMAGE)

    assert str(refused.value) == "A photo must be a JPEG, PNG or WebP image."


def test_webp_is_refused_as_document():
    with pytest.raises(UploadError) as refused:
        check_upload(WEBP, DOCUMENT)

    assert str(refused.value) == "A document must be a PDF, JPEG or PNG file."


def test_empty_file_is_refused():
    for kind in (IMAGE, DOCUMENT):
        with pytest.raises(UploadError) as refused:
            check_upload(b"", kind)

        assert str(refused.value) == "The file is empty."


def test_photo_at_the_size_limit_is_accepted():
    data = JPEG + b"\x00" * (5 * MB - len(JPEG))

    assert check_upload(data, IMAGE) == ("image/jpeg", "jpg")


def test_photo_over_the_size_limit_is_refused():
    data = JPEG + b"\x00" * (5 * MB - len(JPEG) + 1)

    with pytest.raises(UploadError) as refused:
        check_upload(data, IMAGE)

    assert str(refused.value) == "The photo is larger than 5 MB."


def test_document_over_the_size_limit_is_refused():
    data = PDF + b"\x00" * (10 * MB - len(PDF) + 1)

    with pytest.raises(UploadError) as refused:
        check_upload(data, DOCUMENT)

    assert str(refused.value) == "The document is larger than 10 MB."


def test_messages_follow_the_kind():
    kind = UploadKind("scan", MB // 2, {"application/pdf": "pdf"})

    with pytest.raises(UploadError, match=r"^The scan is larger than 0\.5 MB\.$"):
        check_upload(PDF + b"\x00" * MB, kind)
    with pytest.raises(UploadError, match=r"^A scan must be a PDF file\.$"):
        check_upload(PNG, kind)


def test_upload_error_is_a_value_error():
    assert issubclass(UploadError, ValueError)
