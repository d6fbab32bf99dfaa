"""Test agencies' schemas are emptied and reused instead of dropped and made again.

Making an agency's tables costs about 0.2 s and dropping them about 0.07 s, for each of the
thousands of agencies the suite makes; emptying a schema and renaming it costs a few ms. A used
schema is reused only when its structure still matches a fresh one's (a test may migrate, alter
or drop its agency's tables) and its version stamp is the head, so a reused schema is the same
as a new one: same tables, no rows, sequences at their start. Each pytest-xdist worker has its
own database, so the pool is per process. A reused schema goes back as the oldest spare
(bbp/tenancy/spares.py), so the next `create_tenant` renames it, as production does.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bbp.tenancy import models as tenancy_models
from bbp.tenancy.context import quote_schema
from bbp.tenancy.schema import VERSION_TABLE, head_revision
from bbp.tenancy.spares import PREFIX

# Everything a test could change in a schema's structure, in a form that names no schema.
_STRUCTURE = text(
    """
    SELECT md5(string_agg(replace(item, quote_ident(CAST(:schema AS text)) || '.', ''), E'\\n' ORDER BY item))
    FROM (
        SELECT 'rel ' || relname || ' ' || relkind::text || ' ' || relpersistence::text
        FROM pg_class WHERE relnamespace = CAST(:schema AS regnamespace)
      UNION ALL
        SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
               || ' ' || a.attnotnull || ' ' || a.attisdropped || ' ' || a.attnum || ' '
               || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = CAST(:schema AS regnamespace) AND a.attnum > 0
      UNION ALL
        SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = CAST(:schema AS regnamespace)
      UNION ALL
        SELECT 'idx ' || c.relname || ' ' || pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = CAST(:schema AS regnamespace)
      UNION ALL
        SELECT 'trg ' || t.tgname || ' ' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = CAST(:schema AS regnamespace) AND NOT t.tgisinternal
      UNION ALL
        SELECT 'fn ' || proname || ' ' || md5(prosrc)
        FROM pg_proc WHERE pronamespace = CAST(:schema AS regnamespace)
      UNION ALL
        SELECT 'acl ' || coalesce(nspacl::text, '') FROM pg_namespace
        WHERE oid = CAST(:schema AS regnamespace)
    ) AS structure (item)
    """
)
_TABLES = text(
    "SELECT relname FROM pg_class WHERE relnamespace = CAST(:schema AS regnamespace) "
    "AND relkind IN ('r', 'p') AND relname <> :version"
)
_SEQUENCES = text(
    "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s "
    "JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = CAST(:schema AS regnamespace)"
)


class SchemaPool:
    """Emptied agency schemas of one test process, waiting to be reused."""

    def __init__(self) -> None:
        self.fresh: str | None = None  # the structure of a newly made schema
        self.waiting: list[str] = []
        self.enabled: bool | None = None

    def learn(self, conn: Connection, schema: str) -> None:
        """Remember a newly made schema's structure, the one every reused schema must have."""
        if self.fresh is None:
            self.fresh = _structure(conn, schema)

    def offer(self, conn: Connection) -> str | None:
        """Put one emptied schema back as the oldest spare; returns its name (None if none)."""
        if not self.waiting:
            return None
        name = self.waiting.pop()
        conn.execute(
            tenancy_models.SpareSchema.__table__.insert().values(
                name=name, revision=head_revision(), created_at=datetime(2000, 1, 1, tzinfo=UTC)
            )
        )
        return name

    def take_back(self, conn: Connection, name: str) -> None:
        """An offered spare that no creation took returns to the pool."""
        spares = tenancy_models.SpareSchema.__table__
        if conn.execute(spares.delete().where(spares.c.name == name)).rowcount:
            self.waiting.append(name)

    def empty(self, conn: Connection, schema: str) -> str | None:
        """Empty and rename the schema for reuse, in the caller's transaction; None if unfit."""
        if not self._allowed(conn) or not _exists(conn, schema):
            return None
        if not self._unchanged(conn, schema):
            return None
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FK or triggers
        tables = conn.scalars(_TABLES, {"schema": schema, "version": VERSION_TABLE}).all()
        quoted = quote_schema(schema)
        if tables:
            conn.exec_driver_sql(";".join(f'DELETE FROM {quoted}."{t}"' for t in tables))
        conn.execute(_SEQUENCES, {"schema": schema}).all()
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        name = PREFIX + secrets.token_hex(8)
        conn.exec_driver_sql(f"ALTER SCHEMA {quoted} RENAME TO {quote_schema(name)}")
        return name

    def _allowed(self, conn: Connection) -> bool:
        # Turning off foreign keys and triggers for the DELETEs needs a superuser.
        if self.enabled is None:
            superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            self.enabled = bool(conn.scalar(text(superuser)))
        return self.enabled and self.fresh is not None

    def _unchanged(self, conn: Connection, schema: str) -> bool:
        version = conn.scalars(
            text(f"SELECT version_num FROM {quote_schema(schema)}.{VERSION_TABLE}")
        ).all()
        return version == [head_revision()] and _structure(conn, schema) == self.fresh


def _exists(conn: Connection, schema: str) -> bool:
    found = conn.scalar(
        text("SELECT to_regclass(quote_ident(CAST(:schema AS text)) || '.' || :version)"),
        {"schema": schema, "version": VERSION_TABLE},
    )
    return found is not None


def _structure(conn: Connection, schema: str) -> str:
    conn.exec_driver_sql(f"SET LOCAL search_path TO {quote_schema(schema)}")  # unqualified names
    found = conn.scalar(_STRUCTURE, {"schema": schema})
    conn.exec_driver_sql("SET LOCAL search_path TO public")
    return found


POOL = SchemaPool()
