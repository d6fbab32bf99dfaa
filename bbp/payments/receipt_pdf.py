"""Printable payment receipts rendered as PDF with fpdf2's core fonts (pure: no Flask, no DB).

Drawn in a worker (bbp.pdf.render): web processes never import this module or fpdf2.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bbp.payments.receipt_data import ReceiptData
from bbp.pdf.page import FONT, INK, PAGE_WIDTH, LetterPdf, content_width
from bbp.pdf.text import format_moment, latin1, local_time, one_line

__all__ = ["ReceiptData", "format_money", "latin1", "render_receipt"]

CENT = Decimal("0.01")
MARGIN = 15.0
CONTENT_WIDTH = content_width(MARGIN)
LABEL_WIDTH = 45.0
ROW_HEIGHT = 7.0
MUTED = (90, 90, 90)
VOID_RED = (200, 0, 0)
WATERMARK_RED = (245, 190, 190)
LABEL_STYLE = FontFace(emphasis="BOLD")


def render_receipt(data: ReceiptData) -> bytes:
    """Render the receipt as PDF bytes; the same data always gives the same bytes."""
    _check_money(data.amount, "amount", positive=True)
    if data.balance_after is not None:
        _check_money(data.balance_after, "balance_after")
    issued = local_time(data.issued_at, data.timezone)
    pdf = _new_document(data)
    if data.voided:
        _draw_watermark(pdf)
    _draw_header(pdf, data)
    _draw_title(pdf, data, issued)
    if data.voided:
        _draw_void_notice(pdf, data.void_reason)
    _draw_fields(pdf, data)
    if data.stripe_reference:
        _draw_stripe_reference(pdf, data.stripe_reference)
    if data.signed:
        _draw_signature(pdf)
    _draw_footer(pdf)
    return bytes(pdf.output())


def format_money(amount: Decimal) -> str:
    """Dollars as $1,234.56 (negative as -$1,234.56)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(CENT):,}"


def _check_money(value: Decimal, name: str, positive: bool = False) -> None:
    """Reject non-Decimal, non-finite or sub-cent values, and non-positive ones when asked."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}; refunds use kind='refund'")
    if value != value.quantize(CENT):
        raise ValueError(f"{name} must be whole cents, got {value}")


def _new_document(data: ReceiptData) -> FPDF:
    """A Letter page dated when the receipt was issued (bbp.pdf.page)."""
    pdf = LetterPdf(
        title=f"Receipt {data.receipt_number} \u2014 {data.agency_name}",
        author=data.agency_name,
        created_at=data.issued_at,
        margin=MARGIN,
    )
    pdf.add_page()
    return pdf


def _draw_watermark(pdf: FPDF) -> None:
    """A large pale diagonal VOID behind the receipt, drawn first so the text stays legible."""
    pdf.set_font(FONT, style="B", size=110)
    pdf.set_text_color(*WATERMARK_RED)
    with pdf.rotation(angle=30, x=PAGE_WIDTH / 2, y=80):
        pdf.text(x=PAGE_WIDTH / 2 - 60, y=100, text="VOID")
    pdf.set_text_color(*INK)


def _draw_header(pdf: FPDF, data: ReceiptData) -> None:
    """Agency name large, then its address lines, phone and state license number."""
    pdf.set_font(FONT, style="B", size=18)
    _line(pdf, one_line(data.agency_name), height=9)
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(*MUTED)
    for part in data.agency_address.splitlines():
        if part.strip():
            _line(pdf, one_line(part), height=5)
    if data.agency_phone.strip():
        _line(pdf, f"Phone: {one_line(data.agency_phone)}", height=5)
    if data.agency_license.strip():
        _line(pdf, f"License No. {one_line(data.agency_license)}", height=5)
    pdf.set_text_color(*INK)
    pdf.ln(3)
    _rule(pdf)


def _draw_title(pdf: FPDF, data: ReceiptData, issued: datetime) -> None:
    """RECEIPT and its number side by side, the local issue time underneath."""
    pdf.ln(3)
    pdf.set_font(FONT, style="B", size=16)
    title = "REFUND RECEIPT" if _is_refund(data.kind) else "RECEIPT"
    pdf.cell(CONTENT_WIDTH / 2, 9, title)
    pdf.cell(
        CONTENT_WIDTH / 2,
        9,
        f"No. {one_line(data.receipt_number)}",
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, size=10)
    _line(pdf, f"Issued {format_moment(issued)}", height=6)
    pdf.ln(3)


def _draw_void_notice(pdf: FPDF, reason: str) -> None:
    """A boxed red VOID banner with the reason, so a void is obvious even in greyscale copies."""
    pdf.set_draw_color(*VOID_RED)
    pdf.set_text_color(*VOID_RED)
    pdf.set_line_width(0.8)
    pdf.set_font(FONT, style="B", size=14)
    text = f"VOID - Reason: {one_line(reason) or 'not recorded'}"
    pdf.multi_cell(CONTENT_WIDTH, 8, text, border=1, align="C", padding=2)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*INK)
    pdf.set_text_color(*INK)
    pdf.ln(3)


def _draw_fields(pdf: FPDF, data: ReceiptData) -> None:
    """The two-column table of labels and values."""
    pdf.set_font(FONT, size=11)
    widths = (LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH)
    with pdf.table(
        col_widths=widths, first_row_as_headings=False, line_height=ROW_HEIGHT, text_align="LEFT"
    ) as table:
        for label, value in _field_rows(data):
            row = table.row()
            row.cell(label, style=LABEL_STYLE)
            row.cell(value)
    pdf.ln(4)


def _field_rows(data: ReceiptData) -> list[tuple[str, str]]:
    """Label/value pairs in print order, ready for the core fonts."""
    balance = "-" if data.balance_after is None else format_money(data.balance_after)
    back = _is_refund(data.kind)  # money going back to the person, not received from them
    return [
        ("Refunded to" if back else "Received from", one_line(data.payer_name)),
        ("Bond number", one_line(data.bond_number)),
        ("Defendant", one_line(data.defendant_name)),
        ("For", _describe_kind(data.kind)),
        ("Method", _capitalised(data.method)),
        *([] if data.stripe_reference else [("Reference", one_line(data.reference) or "-")]),
        ("Amount refunded" if back else "Amount", format_money(data.amount)),
        ("Balance after", balance),
        ("Refunded by" if back else "Received by", one_line(data.received_by)),
    ]


def _draw_stripe_reference(pdf: FPDF, stripe_id: str) -> None:
    """The Stripe id under the table, small and muted: the agency reconciles payouts with it."""
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(*MUTED)
    _line(pdf, f"Stripe reference: {one_line(stripe_id)}", height=4)
    pdf.set_text_color(*INK)


def _draw_signature(pdf: FPDF) -> None:
    """A line to sign on, labelled underneath."""
    pdf.ln(12)
    y = pdf.get_y()
    pdf.line(MARGIN, y, MARGIN + 90, y)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    _line(pdf, "Authorized signature", height=5)
    pdf.set_text_color(*INK)


def _draw_footer(pdf: FPDF) -> None:
    """The keep-this-receipt reminder."""
    pdf.ln(6)
    pdf.set_font(FONT, style="I", size=9)
    pdf.cell(
        CONTENT_WIDTH,
        5,
        "Keep this receipt for your records",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _line(pdf: FPDF, text: str, height: float) -> None:
    """One full-width line of text, moving to the start of the next line."""
    pdf.cell(CONTENT_WIDTH, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: FPDF) -> None:
    """A thin horizontal rule across the content width at the current position."""
    y = pdf.get_y()
    pdf.line(MARGIN, y, MARGIN + CONTENT_WIDTH, y)


def _is_refund(kind: str) -> bool:
    """Whether the payment kind is a refund."""
    return kind.strip().lower() == "refund"


def _describe_kind(kind: str) -> str:
    """What the payment was for, e.g. 'Collateral cash'."""
    return "Refund" if _is_refund(kind) else _capitalised(kind)


def _capitalised(text: str) -> str:
    """First letter upper-cased, the rest left alone (keeps 'card (terminal)' readable)."""
    text = one_line(text)
    return text[:1].upper() + text[1:]
