"""The fake's invoice as a one-page PDF (pure: plain data in, bytes out; drawn in a worker)."""

from __future__ import annotations

from datetime import UTC, datetime

from bbp.pdf.page import FONT, LetterPdf, content_width
from bbp.pdf.text import latin1

MARGIN = 18.0
WIDTH = content_width(MARGIN)
ROW = 7.0
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # fixed metadata: the same invoice, the same bytes


def render_invoice(page: dict) -> bytes:
    """Number, status, period, one row per line, and the totals."""
    pdf = LetterPdf(
        title=f"Invoice {page['number']}",
        author="BailBondPro",
        created_at=EPOCH,
        margin=MARGIN,
    )
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(
        WIDTH, 10, latin1(f"BailBondPro invoice {page['number']}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, "", 10)
    for label in ("status", "period", "issued"):
        text = f"{label.capitalize()}: {page[label]}"
        pdf.cell(WIDTH, ROW, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 10)
    _row(pdf, "Description", "Period", "Amount")
    pdf.set_font(FONT, "", 10)
    for line in page["lines"]:
        _row(pdf, line["description"], line["period"], line["amount"])
    pdf.ln(2)
    for label, key in (("Total", "total"), ("Paid", "paid"), ("Amount due", "remaining")):
        _row(pdf, "", label, page[key])
    return bytes(pdf.output())


def _row(pdf, description: str, period: str, amount: str) -> None:
    pdf.cell(WIDTH * 0.45, ROW, latin1(description))
    pdf.cell(WIDTH * 0.35, ROW, latin1(period))
    pdf.cell(WIDTH * 0.20, ROW, latin1(amount), align="R", new_x="LMARGIN", new_y="NEXT")
