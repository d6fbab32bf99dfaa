"""Many rows in one statement whose text does not grow with them: one array per column.

A multi-row VALUES list is compiled and parsed anew for every size (thousands of placeholders);
`unnest` over one array parameter per column keeps the statement short, cached and the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ARRAY, Select, Table, func, literal, select
from sqlalchemy.dialects.postgresql import Insert, insert


def insert_rows(table: Table, rows: Sequence[dict]) -> Insert:
    """INSERT … SELECT the rows (dicts with the same keys) from one array per column."""
    columns = list(rows[0])
    return insert(table).from_select(columns, _arrays(table, columns, rows))


def _arrays(table: Table, columns: list[str], rows: Sequence[dict]) -> Select:
    return select(
        *(
            func.unnest(literal([row[name] for row in rows], ARRAY(table.c[name].type))).label(name)
            for name in columns
        )
    )
