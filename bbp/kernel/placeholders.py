"""Agency wording with placeholders: checked against known names, filled in one regex pass.

Agency text is never a format string or a template. `str.format` obeys format specs
(`{name:>4000000000}` exhausts memory), conversions and attribute or index access
(`{name.__class__.__mro__}`); Jinja would run code. A `Syntax` is one regular expression
whose every match is a placeholder (group `name`), an escaped brace (optional group `brace`,
written as its first character) or any other use of a brace (group `bad`: refused when saved,
left as typed when filled). Values are inserted verbatim and never read again, so a person named
"{agency}" stays "{agency}".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Syntax:
    """One placeholder syntax, as a tokenizing regular expression."""

    token: re.Pattern[str]

    def unknown(self, text: str, names: Collection[str]) -> list[str]:
        """Placeholder names that are not in `names`, in order of first use."""
        found = (m["name"] for m in self.token.finditer(text) if m["name"] is not None)
        return list(dict.fromkeys(n for n in found if n not in names))

    def used(self, text: str, names: Collection[str]) -> list[str]:
        """Known placeholder names the text uses, in order of first use."""
        found = (m["name"] for m in self.token.finditer(text) if m["name"] is not None)
        return list(dict.fromkeys(n for n in found if n in names))

    def malformed(self, text: str) -> re.Match[str] | None:
        """The first use of a brace that is neither a placeholder nor an escaped brace."""
        return next((m for m in self.token.finditer(text) if m["bad"] is not None), None)

    def fill(self, text: str, values: Mapping[str, str]) -> str:
        """Replace each known placeholder with its value; everything else stays as written."""

        def one(match: re.Match[str]) -> str:
            parts = match.groupdict()
            if parts["name"] is not None:
                return values.get(parts["name"], match[0])
            if parts.get("brace") is not None:
                return parts["brace"][0]
            return match[0]

        return self.token.sub(one, text)


def short(text: str, limit: int = 60) -> str:
    """Text for an error message: whitespace collapsed, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
