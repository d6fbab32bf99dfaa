"""The page every PDF is drawn on (bbp.pdf.page): Letter, margins, reproducible metadata."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from bbp.pdf.page import FONT, PAGE_HEIGHT, PAGE_WIDTH, LetterPdf, content_width

MADE = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
POINTS_PER_MM = 72 / 25.4


def _render(**options) -> bytes:
    pdf = LetterPdf(title="Receipt R-1", author="Alpha Bail", created_at=MADE, margin=15, **options)
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    pdf.cell(content_width(15), 7, "Searchable text")
    return bytes(pdf.output())


def test_a_letter_page_with_metadata_and_searchable_text():
    reader = PdfReader(io.BytesIO(_render()))
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == round(PAGE_WIDTH * POINTS_PER_MM) == 612
    assert round(float(box.height)) == round(PAGE_HEIGHT * POINTS_PER_MM) == 792
    meta = reader.metadata
    assert (meta.title, meta.author, meta.creator) == ("Receipt R-1", "Alpha Bail", "BailBondPro")
    assert meta.creation_date.astimezone(UTC) == MADE
    assert "Searchable text" in reader.pages[0].extract_text()
    assert b"Searchable text" in _render()  # uncompressed content


def test_the_same_input_gives_the_same_bytes_and_margins_apply():
    assert _render() == _render()
    pdf = LetterPdf(title="t", author="a", created_at=MADE, margin=20, bottom_margin=24)
    assert (pdf.l_margin, pdf.t_margin, pdf.r_margin, pdf.b_margin) == (20, 20, 20, 24)
    assert content_width(20) == PAGE_WIDTH - 40
