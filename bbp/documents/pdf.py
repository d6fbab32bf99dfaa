"""Documents as Letter PDFs: text, signature area, signature and certificate (pure: no Flask/DB).

Drawn in a worker (bbp.pdf.render): web processes never import this module or fpdf2 and Pillow.
"""

from __future__ import annotations

import io
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image, ImageChops, UnidentifiedImageError

from bbp.documents.pdf_data import PdfCertificate, PdfDocument, PdfSignature
from bbp.pdf.page import FONT, INK, PAGE_HEIGHT, LetterPdf, content_width
from bbp.pdf.text import format_moment, latin1, local_time, one_line

__all__ = [
    "PdfCertificate",
    "PdfDocument",
    "PdfSignature",
    "check_signature_png",
    "document_pdf",
    "signature_png",
]

MARGIN = 20.0
CONTENT_WIDTH = content_width(MARGIN)
BODY_LINE = 5.0
SIGNATURE_SPACE = 62.0  # height the signature block needs; it never splits across pages
MUTED = (95, 95, 95)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
LABELS = FontFace(emphasis="BOLD")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 200 * 1024
MAX_PNG_SIDE = 3000
MIN_PNG_SIDE = 20


class _Pdf(LetterPdf):
    """Letter pages with a running head after the first page and a numbered footer."""

    def __init__(self, doc: PdfDocument):
        super().__init__(
            title=f"{doc.title} - {doc.agency_name}",
            author=doc.agency_name,
            created_at=doc.created_at,
            margin=MARGIN,
            bottom_margin=MARGIN + 4,  # room for the footer
        )
        self.doc = doc

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        head = f"{one_line(self.doc.agency_name)} - {one_line(self.doc.title)}"
        self.cell(CONTENT_WIDTH, 5, head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        self.set_text_color(*INK)

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(CONTENT_WIDTH * 0.7, 5, one_line(self.doc.reference))
        self.cell(CONTENT_WIDTH * 0.3, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)


def document_pdf(doc: PdfDocument) -> bytes:
    """Render the document as PDF bytes; the same input always gives the same bytes."""
    created = local_time(doc.created_at, doc.timezone)
    signed = local_time(doc.signature.signed_at, doc.timezone) if doc.signature else None
    image = _signature_image(doc.signature)
    pdf = _new_document(doc)
    _draw_heading(pdf, doc, created)
    _draw_body(pdf, doc.body)
    _draw_signature_area(pdf, doc, signed, image)
    if doc.certificate is not None:
        _draw_certificate(pdf, doc.certificate)
    return bytes(pdf.output())


def _signature_image(signature: PdfSignature | None) -> bytes | None:
    if signature is None:
        return None
    if signature.kind == "drawn":
        return check_signature_png(signature.image_png or b"")
    if signature.kind != "typed" or not signature.name.strip():
        raise ValueError("a signature is either drawn (with an image) or typed (with a name)")
    return None


def _new_document(doc: PdfDocument) -> _Pdf:
    """A Letter page dated when the document was prepared (bbp.pdf.page)."""
    pdf = _Pdf(doc)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, height: float, align: str = "L") -> None:
    pdf.cell(CONTENT_WIDTH, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: FPDF) -> None:
    y = pdf.get_y()
    pdf.line(MARGIN, y, MARGIN + CONTENT_WIDTH, y)


def _draw_heading(pdf: FPDF, doc: PdfDocument, created: datetime) -> None:
    """Agency name and details, the title, and the reference with the date it was prepared."""
    pdf.set_font(FONT, style="B", size=12)
    _line(pdf, one_line(doc.agency_name), 7)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    for line in filter(None, map(one_line, doc.agency_lines)):
        _line(pdf, line, 4.5)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.set_font(FONT, style="B", size=16)
    # Back to the left margin: multi_cell leaves x at the right edge, which pushed the reference
    # line off the page.
    pdf.multi_cell(
        CONTENT_WIDTH, 8, one_line(doc.title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    _line(pdf, f"{one_line(doc.reference)} - prepared {format_moment(created)}", 5, align="C")
    pdf.set_text_color(*INK)
    pdf.ln(2)
    _rule(pdf)
    pdf.ln(4)


def _draw_body(pdf: FPDF, body: str) -> None:
    """The text, paragraph by paragraph, wrapped and broken across pages as needed."""
    pdf.set_font(FONT, size=10)
    paragraphs = latin1(body.replace("\r\n", "\n")).split("\n\n")
    for paragraph in paragraphs:
        text = "\n".join(line.rstrip() for line in paragraph.strip("\n").split("\n"))
        if text.strip():
            pdf.multi_cell(CONTENT_WIDTH, BODY_LINE, text, align="L")
            pdf.ln(2.5)


def _draw_signature_area(
    pdf: FPDF, doc: PdfDocument, signed: datetime | None, image: bytes | None
) -> None:
    """A line to sign on with the signer's name and role; the signature on it once signed."""
    if pdf.get_y() + SIGNATURE_SPACE > PAGE_HEIGHT - MARGIN - 4:
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, style="B", size=10)
    _line(pdf, "Signature", 6)
    top = pdf.get_y()
    if image is not None:
        pdf.image(io.BytesIO(image), x=MARGIN, y=top, h=20, keep_aspect_ratio=True, w=80)
    elif doc.signature is not None:
        pdf.set_xy(MARGIN + 2, top + 6)
        pdf.set_font("Times", style="BI", size=24)
        pdf.cell(80, 12, one_line(doc.signature.name))
    pdf.set_xy(MARGIN, top + 22)
    pdf.line(MARGIN, top + 22, MARGIN + 95, top + 22)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=10)
    _line(pdf, f"Name: {one_line(doc.signer_name)}", 5)
    _line(pdf, f"Signing as: {one_line(doc.signer_role)}", 5)
    if signed is None:
        pdf.ln(4)
        _line(pdf, "Date: ______________________", 5)
        return
    pdf.ln(2)
    pdf.set_font(FONT, style="I", size=9)
    pdf.set_text_color(*MUTED)
    by = one_line(doc.signature.name)
    pdf.multi_cell(
        CONTENT_WIDTH, 5, f"Signed electronically by {by} on {format_moment(signed)}", align="L"
    )
    pdf.set_text_color(*INK)


def _draw_certificate(pdf: FPDF, certificate: PdfCertificate) -> None:
    """A last page with the evidence rows, the event log and the event chain's final hash."""
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=15)
    _line(pdf, "Certificate of completion", 9)
    pdf.ln(2)
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(50, CONTENT_WIDTH - 50),
        first_row_as_headings=False,
        line_height=5,
        text_align="LEFT",
    ) as table:
        for label, value in certificate.rows:
            row = table.row()
            row.cell(one_line(label), style=LABELS)
            row.cell(one_line(value) or "-")
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=11)
    _line(pdf, "Event log", 7)
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(58, CONTENT_WIDTH - 98, 40),
        headings_style=HEADINGS,
        line_height=5,
        text_align="LEFT",
    ) as table:
        table.row(["Time", "Event", "IP address"])
        for at, event, ip in certificate.events:
            table.row([one_line(at) or "-", one_line(event) or "-", one_line(ip) or "-"])
    pdf.ln(4)
    pdf.set_font("Courier", size=8)
    pdf.multi_cell(
        CONTENT_WIDTH, 4.5, f"Event chain final hash: {one_line(certificate.chain_hash)}"
    )


def signature_png(data: bytes) -> tuple[bytes | None, str]:
    """check_signature_png as a worker job returns it: (the clean PNG, "") or (None, why not)."""
    try:
        return check_signature_png(data), ""
    except ValueError as exc:
        return None, str(exc)


def check_signature_png(data: bytes) -> bytes:
    """A drawn signature as a clean PNG, or ValueError saying why it cannot be used."""
    if not isinstance(data, bytes) or not data.startswith(PNG_MAGIC):
        raise ValueError("The signature must be a PNG image. Draw it again.")
    if len(data) > MAX_PNG_BYTES:
        raise ValueError("The signature image is too large. Clear it and draw it again.")
    try:
        pixels = _decode(data)
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        raise ValueError("The signature image could not be read. Draw it again.") from None
    if pixels is None:
        raise ValueError("The signature image has an unusable size. Draw it again.")
    if _blank(pixels):
        raise ValueError("The signature is empty. Draw your signature in the box.")
    out = io.BytesIO()
    pixels.save(out, format="PNG")
    return out.getvalue()


def _decode(data: bytes) -> Image.Image | None:
    """The pixels as RGBA, or None when the size (read before decoding) is absurd."""
    with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
        width, height = image.size
        if min(width, height) < MIN_PNG_SIDE or max(width, height) > MAX_PNG_SIDE:
            return None
        return image.convert("RGBA")


def _blank(image: Image.Image) -> bool:
    """No pixel that is both visible and darker than near-white."""
    visible = image.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = image.convert("L").point(lambda v: 255 if v < 200 else 0)
    return ImageChops.multiply(visible, dark).getbbox() is None
