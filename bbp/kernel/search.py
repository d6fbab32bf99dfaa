"""Live-search conditions shared by lists: every word must match a name, or the whole query
matches a number, an email or a phone. Each column has a trigram index (bbp.extensions)."""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import String, and_, bindparam, or_

from bbp.kernel.phones import digits

ESCAPE = "/"
# pg_trgm reads letters and digits only; `%q%` gives the index something to look up only when q
# has three of them in a row (shorter runs make no trigram, and the index would return every row).
TRIGRAM = re.compile(r"[^\W_]{3}")


def terms(query: str) -> list[str]:
    """The words of a query ('Reyes, Marcus' -> ['Reyes', 'Marcus'])."""
    return [t for t in re.split(r"[\s,]+", query.strip()) if t]


def literal(text: str) -> str:
    """Text for a LIKE pattern with `%` and `_` taken literally (escaped by ESCAPE)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


class Shape(NamedTuple):
    """What a search's statement depends on: how many words, whether it reads phones, and
    whether the whole query can be looked up in a trigram index."""

    words: int
    phone: bool
    indexed: bool


class Search(NamedTuple):
    """A query split for `condition`: its shape (one statement per shape can be built once and
    reused) and the values bound into that statement by name."""

    shape: Shape
    values: dict[str, str]

    @classmethod
    def of(cls, query: str) -> Search | None:
        """The search for a query, or None when it has no words."""
        words = terms(query)
        if not words:
            return None
        q, phone = literal(query.strip()), digits(query.strip())
        values = {f"word{i}": f"%{literal(w)}%" for i, w in enumerate(words)}
        values |= {"prefix": f"{q}%", "contains": f"%{q}%"}
        if len(phone) >= 3:
            values["phone"] = f"%{phone}%"
        indexed = TRIGRAM.search(query) is not None
        return cls(Shape(len(words), "phone" in values, indexed), values)


def condition(
    shape: Shape, first_name, last_name, *, prefix=(), contains=(), phone=None, values=None
):
    """A WHERE condition for a search of this shape: its values bound by name, to be passed
    with the statement (Search.values), or bound in when `values` are given."""

    def bound(name: str):
        if values is None:
            return bindparam(name, type_=String)
        return bindparam(name, values[name], type_=String, unique=True)

    names = (
        or_(
            first_name.ilike(bound(f"word{i}"), escape=ESCAPE),
            last_name.ilike(bound(f"word{i}"), escape=ESCAPE),
        )
        for i in range(shape.words)
    )
    conditions = [and_(*names)]
    conditions += [column.ilike(bound("prefix"), escape=ESCAPE) for column in prefix]
    conditions += [column.ilike(bound("contains"), escape=ESCAPE) for column in contains]
    if phone is not None and shape.phone:
        conditions.append(phone.like(bound("phone")))
    return or_(*conditions)


def matches(query: str, first_name, last_name, *, prefix=(), contains=(), phone=None):
    """A WHERE condition for a live search with its values in it, or None for an empty query."""
    found = Search.of(query)
    if found is None:
        return None
    kinds = {"prefix": prefix, "contains": contains, "phone": phone}
    return condition(found.shape, first_name, last_name, **kinds, values=found.values)


def contains(query: str, *columns):
    """A WHERE condition: the whole query appears in any of these columns (case-insensitive,
    `%` and `_` taken literally), or None for an empty query."""
    q = query.strip()
    return or_(*(column.icontains(q, autoescape=True) for column in columns)) if q else None
