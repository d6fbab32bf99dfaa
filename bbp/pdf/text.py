"""Text helpers shared by the PDFs drawn with fpdf2's core fonts (latin-1 only; pure)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Core fonts only cover latin-1; these have obvious stand-ins that NFKD does not provide
# (stroked letters such as the Vietnamese Đ have no decomposition at all).
_STAND_INS = str.maketrans(
    {
        "\u0110": "D",
        "\u0111": "d",
        "\u0141": "L",
        "\u0142": "l",
        "\u0126": "H",
        "\u0127": "h",
        "\u0131": "i",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u20ac": "EUR",
    }
)


def latin1(text: str) -> str:
    """Text the core fonts can print: NFKD fallback for other characters, then '?'."""
    text = unicodedata.normalize("NFC", text).translate(_STAND_INS)
    return "".join(_latin1_char(ch) for ch in text)


def _latin1_char(ch: str) -> str:
    """One character as latin-1 text, dropping accents only when there is no latin-1 form."""
    if ord(ch) < 256:
        return ch
    base = "".join(
        c
        for c in unicodedata.normalize("NFKD", ch)
        if ord(c) < 256 and not unicodedata.combining(c)
    )
    return base or "?"


def one_line(text: str) -> str:
    """Latin-1 text with runs of whitespace (including newlines and tabs) collapsed to one space."""
    return " ".join(latin1(text).split())


def local_time(moment: datetime, zone: str) -> datetime:
    """A moment in the agency's zone; naive times or unknown zones are errors."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times printed on a PDF must be timezone-aware")
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {zone!r}") from exc


def format_moment(moment: datetime) -> str:
    """E.g. 'March 8, 2026 3:30 AM EDT' (built by hand: %-I is not portable)."""
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment:%B} {moment.day}, {moment.year} "
        f"{hour}:{moment.minute:02d} {meridiem} {moment.tzname()}"
    )
