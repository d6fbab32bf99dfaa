"""File and table sizes in words: "0 bytes", "1 byte", "1.2 MB" (1,024 bytes to the KB)."""

from __future__ import annotations

UNITS = ("KB", "MB", "GB", "TB")


def format_size(value: int | None) -> str:
    """Bytes under a kilobyte counted in lower-case words, larger sizes to one decimal."""
    size = int(value or 0)
    if size < 1024:
        return "1 byte" if size == 1 else f"{size:,} bytes"
    amount, unit = size / 1024, 0
    # Compared rounded, so 1,048,575 bytes reads "1.0 MB", never "1,024.0 KB".
    while round(amount, 1) >= 1024 and unit < len(UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    return f"{amount:,.1f} {UNITS[unit]}"
