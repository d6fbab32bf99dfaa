"""Live-search conditions shared by lists: every word must match a name, or the whole query
matches a number, an email or a phone. Each column has a trigram index (bbp.extensions)."""

from __future__ import annotations

import re

from sqlalchemy import and_, or_

from bbp.kernel.phones import digits


def terms(query: str) -> list[str]:
    """The words of a query ('Reyes, Marcus' -> ['Reyes', 'Marcus'])."""
    return [t for t in re.split(r"[\s,]+", query.strip()) if t]


def matches(query: str, first_name, last_name, *, prefix=(), contains=(), phone=None):
    """A WHERE condition for a live search, or None for an empty query."""
    words = terms(query)
    if not words:
        return None
    q = query.strip()
    conditions = [
        and_(
            *(
                or_(
                    first_name.icontains(w, autoescape=True),
                    last_name.icontains(w, autoescape=True),
                )
                for w in words
            )
        )
    ]
    conditions += [column.istartswith(q, autoescape=True) for column in prefix]
    conditions += [column.icontains(q, autoescape=True) for column in contains]
    if phone is not None and len(digits(q)) >= 3:
        conditions.append(phone.contains(digits(q)))
    return or_(*conditions)


def contains(query: str, *columns):
    """A WHERE condition: the whole query appears in any of these columns (case-insensitive,
    `%` and `_` taken literally), or None for an empty query."""
    q = query.strip()
    return or_(*(column.icontains(q, autoescape=True) for column in columns)) if q else None
