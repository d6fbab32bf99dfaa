"""The page every PDF is drawn on: US Letter in mm, margins, and reproducible metadata (pure)."""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF

PAGE_WIDTH, PAGE_HEIGHT = 215.9, 279.4  # Letter, in mm
FONT = "Helvetica"  # a core font: no font files, latin-1 text only (see bbp.pdf.text)
INK = (0, 0, 0)
CREATOR = "BailBondPro"
LANGUAGE = "en-US"


def content_width(margin: float) -> float:
    """The width between the side margins."""
    return PAGE_WIDTH - 2 * margin


class LetterPdf(FPDF):
    """A portrait Letter document with uncompressed (searchable) content and metadata that depends
    only on its arguments, so the same input always gives the same bytes.

    Subclasses may draw a running `header()` and `footer()`; `bottom_margin` (the margin by
    default) is where text breaks to the next page, leaving room for the footer.
    """

    def __init__(
        self,
        *,
        title: str,
        author: str,
        created_at: datetime,
        margin: float,
        bottom_margin: float | None = None,
    ):
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.set_margins(margin, margin, margin)
        bottom = margin if bottom_margin is None else bottom_margin
        self.set_auto_page_break(auto=True, margin=bottom)
        self.set_compression(False)
        self.set_title(title)
        self.set_author(author)
        self.set_creator(CREATOR)
        self.set_lang(LANGUAGE)
        # Without this fpdf2 stamps the current time, and the bytes would differ on every render.
        self.set_creation_date(created_at)
