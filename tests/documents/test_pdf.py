"""Document PDFs: text, pages, signature, certificate, reproducible bytes, PNG checks, and the
worker that draws them while a request waits (bbp.pdf.render)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw
from rq import Queue

from bbp.documents.pdf import (
    PdfCertificate,
    PdfDocument,
    PdfSignature,
    check_signature_png,
    document_pdf,
)
from bbp.pdf import render
from tests.services import ROOT
from tests.support import process_env

SIGNED_AT = datetime(2026, 3, 3, 15, 4, tzinfo=UTC)  # 10:04 AM in New York


def png(size=(300, 100), ink=True, background=(0, 0, 0, 0), fmt="PNG") -> bytes:
    image = Image.new("RGBA", size, background)
    if ink:
        ImageDraw.Draw(image).line((10, size[1] - 10, size[0] - 10, 10), fill="black", width=4)
    out = io.BytesIO()
    image.convert("RGB" if fmt == "JPEG" else "RGBA").save(out, fmt)
    return out.getvalue()


def document(**changes) -> PdfDocument:
    base = PdfDocument(
        agency_name="Liberty Bail Bonds",
        title="Indemnity Agreement",
        body="1. Guarantee. I guarantee the defendant appears.\n\n2. Liability. The full bail.",
        reference="Bond B-2026-0012 · Request 7",
        signer_name="Maria Lopez",
        signer_role="Cosigner and indemnitor",
        created_at=datetime(2026, 3, 3, 14, 0, tzinfo=UTC),
        timezone="America/New_York",
    )
    return replace(base, **changes)


def certificate() -> PdfCertificate:
    return PdfCertificate(
        rows=[
            ("Request", "7"),
            ("Signer", "Maria Lopez, verified by code texted to +1 305-555-0142"),
            ("IP address", "203.0.113.9"),
            ("User agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"),
            ("Original document SHA-256", "ab" * 32),
        ],
        events=[
            ("March 3, 2026 9:58 AM EST", "sent", "198.51.100.4"),
            ("March 3, 2026 10:04 AM EST", "signed", "203.0.113.9"),
        ],
        chain_hash="cd" * 32,
    )


def shown(pdf: bytes) -> str:
    """All drawn text (content streams are uncompressed), one string per drawing call."""
    parts = re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", pdf)
    return "\n".join(p.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for p in parts)


def pages(pdf: bytes) -> int:
    return int(re.search(rb"/Count (\d+)\n/Kids", pdf).group(1))


def test_prints_agency_title_body_reference_and_signature_area():
    pdf = document_pdf(document())
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = shown(pdf)
    for expected in (
        "Liberty Bail Bonds",
        "Indemnity Agreement",
        "1. Guarantee. I guarantee the defendant appears.",
        "2. Liability. The full bail.",
        "Bond B-2026-0012 \xb7 Request 7",
        "Name: Maria Lopez",
        "Signing as: Cosigner and indemnitor",
        "Page 1 of ",
    ):
        assert expected in text
    assert "Signed electronically" not in text


def test_same_input_gives_same_bytes_and_the_date_comes_from_the_input():
    signed = document(
        signature=PdfSignature("drawn", "Maria Lopez", SIGNED_AT, png()), certificate=certificate()
    )
    first = document_pdf(signed)
    assert first == document_pdf(signed)
    assert b"/CreationDate (D:20260303140000Z)" in first
    assert first != document_pdf(replace(signed, reference="Bond B-2026-0012 · Request 8"))


def test_long_text_wraps_and_breaks_into_numbered_pages():
    body = "\n\n".join(f"{n}. " + "The cosigner agrees to pay. " * 40 for n in range(1, 30))
    body += "\n\n" + "x" * 3000  # one unbreakable word must not crash the layout
    pdf = document_pdf(document(body=body))
    count = pages(pdf)
    assert count >= 4
    text = shown(pdf)
    assert text.count("Page ") == count
    assert f"Page {count} of " in text
    assert "29. The cosigner agrees to pay." in text


def test_text_outside_latin1_is_printed_with_stand_ins():
    text = shown(
        document_pdf(
            document(signer_name="Đặng Thị Hương", body="\u201cQuoted\u201d \u2013 ok\u2026")
        )
    )
    assert "Name: Dang Thi Huong" in text
    assert '"Quoted" - ok...' in text


def test_a_typed_signature_is_written_in_an_italic_face_with_the_signing_line():
    signature = PdfSignature("typed", "Maria Lopez", SIGNED_AT)
    pdf = document_pdf(document(signature=signature))
    text = shown(pdf)
    assert "Signed electronically by Maria Lopez on March 3, 2026 10:04 AM EST" in text
    assert b"/BaseFont /Times-BoldItalic" in pdf
    assert b"/Subtype /Image" not in pdf


def test_a_drawn_signature_is_embedded_as_an_image():
    pdf = document_pdf(document(signature=PdfSignature("drawn", "Maria Lopez", SIGNED_AT, png())))
    assert b"/Subtype /Image" in pdf
    assert "Signed electronically by Maria Lopez on March 3, 2026 10:04 AM EST" in shown(pdf)


def test_a_drawn_signature_that_is_blank_is_refused():
    with pytest.raises(ValueError, match="empty"):
        document_pdf(document(signature=PdfSignature("drawn", "M", SIGNED_AT, png(ink=False))))


def test_the_certificate_is_a_last_page_with_rows_events_and_chain_hash():
    plain = pages(document_pdf(document()))
    pdf = document_pdf(
        document(
            signature=PdfSignature("typed", "Maria Lopez", SIGNED_AT), certificate=certificate()
        )
    )
    assert pages(pdf) == plain + 1
    text = shown(pdf)
    last_page = text[text.index("Certificate of completion") :]
    for expected in (
        "Original document SHA-256",
        "ab" * 32,
        "Mozilla/5.0",
        "March 3, 2026 10:04 AM EST",
        "signed",
        "203.0.113.9",
        "Event chain final hash: " + "cd" * 32,
    ):
        assert expected in last_page


def test_naive_times_and_unknown_zones_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        document_pdf(document(created_at=datetime(2026, 3, 3)))
    with pytest.raises(ValueError, match="unknown time zone"):
        document_pdf(document(timezone="Mars/Olympus"))


def test_a_good_signature_png_comes_back_as_a_png():
    cleaned = check_signature_png(png())
    with Image.open(io.BytesIO(cleaned)) as image:
        assert (image.format, image.size) == ("PNG", (300, 100))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "must be a PNG"),
        (png(fmt="JPEG"), "must be a PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "could not be read"),
        (png(size=(5000, 40)), "unusable size"),
        (png(size=(8, 8)), "unusable size"),
        (png(ink=False), "empty"),
        (png(ink=False, background=(255, 255, 255, 255)), "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (200 * 1024), "too large"),
    ],
)
def test_bad_signature_images_are_refused_with_a_message(data, message):
    with pytest.raises(ValueError, match=message):
        check_signature_png(data)


def test_the_agency_address_phone_and_license_sit_under_its_name():
    lines = [
        "100 Main Street, Miami, FL 33101",
        "Phone (305) 555-0100 · License No. P123456",
    ]
    text = shown(document_pdf(document(agency_lines=lines))).splitlines()
    start = text.index("Liberty Bail Bonds")
    assert text[start + 1 : start + 3] == lines
    assert "100 Main Street" not in shown(document_pdf(document()))


def test_the_reference_line_is_drawn_on_the_page_under_the_title():
    pdf = document_pdf(document())
    found = re.search(rb"BT ([\d.]+) [\d.]+ Td [\d. ]+rg \(Bond B-2026-0012", pdf)
    assert found is not None
    assert 0 < float(found.group(1)) < 612 / 2  # centred on a Letter page, 612 points wide


def test_a_worker_draws_the_pdf_a_request_waits_for(app, redis, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_INLINE", False)
    monkeypatch.setattr(render, "CLAIM_SECONDS", 40)  # a worker starting on a slow machine
    monkeypatch.setattr(render, "WAIT_SECONDS", 50)
    drawn = {}

    def request():
        with app.app_context():
            drawn["pdf"] = render.draw(render.DOCUMENT, document())
            drawn["png"] = render.draw(render.SIGNATURE_PNG, b"not a png")

    waiting = threading.Thread(target=request)
    waiting.start()
    pdfs = Queue(render.QUEUE, connection=redis)
    for _ in range(100):
        if pdfs.count:
            break
        time.sleep(0.05)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=process_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        waiting.join(timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert drawn["pdf"].startswith(b"%PDF") and b"Indemnity Agreement" in drawn["pdf"]
    assert drawn["png"] == (None, "The signature must be a PNG image. Draw it again.")


def test_with_no_worker_to_take_it_the_request_draws_the_pdf_itself(app, redis, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_INLINE", False)
    monkeypatch.setattr(render, "CLAIM_SECONDS", 1)
    with app.app_context():
        data = render.draw(render.DOCUMENT, document())
    assert data.startswith(b"%PDF") and b"Indemnity Agreement" in data
    assert Queue(render.QUEUE, connection=redis).count == 0  # withdrawn: no worker draws it later
