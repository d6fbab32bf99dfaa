"""Row ids that arrive as text (forms, query strings): whole numbers an integer key can hold."""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger number is no row, not a database error
DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes "²"


def row_id(value: object) -> int | None:
    """The id `value` names, or None when it names no possible row."""
    text = "" if value is None else str(value).strip()
    if not DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
