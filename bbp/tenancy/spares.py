"""Spare tenant schemas: made ahead at the head revision, renamed into a new agency's schema.

Creating a schema's tables costs more as the catalog grows (docs/decisions.md, "Spare schemas"),
while renaming a schema is one catalog row at any size. A spare's name starts `t__`, which no
slug can produce (slugs start with a letter or digit), so a spare is never an agency's schema
until it is renamed; its tables are empty. Only spares at the current head are taken: after a
deploy the old ones are dropped and made again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import MetaData, delete, func, select
from sqlalchemy.engine import Connection

from bbp.tenancy.context import quote_schema, set_search_path
from bbp.tenancy.models import SpareSchema
from bbp.tenancy.schema import create_at_head, head_revision

PREFIX = "t__spare_"


def make(conn: Connection, metadata: MetaData) -> str:
    """Create one spare schema at head in the caller's transaction; returns its name."""
    name = PREFIX + secrets.token_hex(8)
    create_at_head(conn, name, metadata)
    set_search_path(conn, None)
    conn.execute(SpareSchema.__table__.insert().values(name=name, revision=head_revision()))
    return name


def take(conn: Connection, schema: str) -> bool:
    """Rename a spare at head to `schema` in the caller's transaction; False when none is ready.

    SKIP LOCKED: two creations at once take two different spares, or one falls back to DDL.
    """
    spares = SpareSchema.__table__
    oldest = (
        select(spares.c.name)
        .where(spares.c.revision == head_revision())
        .order_by(spares.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    name = conn.execute(delete(spares).where(spares.c.name == oldest).returning(spares.c.name))
    name = name.scalar()
    if name is None:
        return False
    conn.exec_driver_sql(f"ALTER SCHEMA {quote_schema(name)} RENAME TO {quote_schema(schema)}")
    set_search_path(conn, schema)
    return True


def ready(conn: Connection) -> int:
    """How many spares wait at the current head."""
    spares = SpareSchema.__table__
    return conn.scalar(
        select(func.count()).select_from(spares).where(spares.c.revision == head_revision())
    )


def drop_stale(conn: Connection) -> int:
    """Drop the spares made at an older revision (a deploy moved the head); returns how many."""
    spares = SpareSchema.__table__
    names = conn.scalars(
        delete(spares).where(spares.c.revision != head_revision()).returning(spares.c.name)
    ).all()
    for name in names:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quote_schema(name)} CASCADE")
    return len(names)
