"""The Spanish catalog covers every marked string, keeps its placeholders, and is compiled."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bbp.kernel import storage

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "bbp" / "translations" / "es" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # as `make translations` runs pybabel: -k _l
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@cache
def extracted() -> dict[str, tuple[str, ...]]:
    """Every msgid marked in bbp/ right now (as babel.cfg extracts), with the msgid_plural if any."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).relative_to(ROOT).parts[0] == "bbp",
    )
    messages = {}
    for _filename, _lineno, message, _comments, _context in found:
        ids = message if isinstance(message, tuple) else (message,)
        messages[ids[0]] = ids
    return messages


@cache
def spanish() -> Catalog:
    with open(CATALOG / "messages.po", "rb") as po:
        return read_po(po)


def forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _plain(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def entries(catalog: Catalog) -> dict:
    """msgid -> translation(s), plurals as tuples (read_mo gives lists)."""
    return {_plain(message.id): _plain(message.string) for message in catalog if message.id}


def test_every_marked_string_has_a_spanish_translation():
    catalog = spanish()
    missing = sorted(
        msgid
        for msgid in extracted()
        if (message := catalog.get(msgid)) is None
        or message.fuzzy
        or not all(text.strip() for text in forms(message))
    )
    assert not missing, (
        f"{len(missing)} msgid(s) without a reviewed Spanish translation: run `make translations`, "
        "translate them in bbp/translations/es/LC_MESSAGES/messages.po (remove any `fuzzy` "
        "flag) and run it again:\n" + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_plural_messages_have_both_spanish_forms():
    catalog = spanish()
    for ids in extracted().values():
        message = catalog.get(ids[0])
        if len(ids) == 2 and message is not None:
            assert message.pluralizable and message.id == ids, ids[0]
            assert len(forms(message)) == catalog.num_plurals == 2, ids[0]


def test_the_committed_mo_is_compiled_from_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, spanish())
    compiled.seek(0)
    with open(CATALOG / "messages.mo", "rb") as mo:
        committed = read_mo(mo)
    expected = read_mo(compiled)
    assert entries(committed) == entries(expected), (
        "messages.mo is out of date: run `make translations` (or pybabel compile)"
    )


def test_translations_keep_the_placeholders_of_their_msgid():
    wrong = []
    for message in spanish():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in forms(message):
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"  {ids[0]!r} -> {text!r}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "data",
    [b"", b"x" * (storage.DOCUMENT.max_bytes + 1), b"MZ not a document"],
    ids=["empty", "too-large", "wrong-type"],
)
def test_portal_upload_errors_are_in_the_catalog(data):
    """The portal shows UploadError messages through gettext: they must be catalog msgids."""
    with pytest.raises(storage.UploadError) as refused:
        storage.check_upload(data, storage.DOCUMENT)
    message = spanish().get(str(refused.value))
    assert message is not None and message.string, str(refused.value)
    assert str(refused.value) in storage.PORTAL_MESSAGES


def test_the_portal_speaks_spanish_to_a_spanish_browser(visit, tenant):
    page = visit(tenant).get("/portal/login", headers={"Accept-Language": "es-US,es;q=0.9"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="es">' in body
    assert "Envíenme un código" in body
    assert "Su fianza, sus fechas de corte y sus pagos" in body
    assert ">Número de celular" in body  # a lazy_gettext form label
    assert "Prefiero usar mi correo electrónico" in body
    assert "Send me a code" not in body
