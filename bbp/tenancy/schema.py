"""Tenant-schema DDL: the table set, fast creation at head, and Alembic revisions per schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Connection

from bbp.tenancy.context import quote_schema, set_search_path

TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"
VERSION_TABLE = "alembic_version"


def tenant_tables(metadata: MetaData) -> list[Table]:
    """Tables that live in each tenant schema (models declared without a schema)."""
    return [t for t in metadata.sorted_tables if t.schema is None]


def alembic_config() -> Config:
    """Alembic configuration for the tenant migration tree in tenants/."""
    cfg = Config()
    cfg.set_main_option("script_location", str(TENANTS_DIR))
    return cfg


@cache
def head_revision() -> str:
    """The tenant tree's single head."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def create_at_head(conn: Connection, schema: str, metadata: MetaData) -> None:
    """Create the schema, every tenant table and the version stamp in the caller's transaction.

    `metadata` must hold every model: the caller registers them (tenancy imports no features).
    Rendering DDL from the models costs the same however many tenants exist, unlike replaying
    the migration history; tests prove the two produce the same schema.
    """
    conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    set_search_path(conn, schema)
    metadata.create_all(conn, tables=tenant_tables(metadata), checkfirst=False)
    ctx = MigrationContext.configure(conn, opts={"version_table_schema": schema})
    ctx.stamp(ScriptDirectory.from_config(alembic_config()), "head")


def revisions(conn: Connection, schemas: list[str], chunk: int = 500) -> dict[str, str | None]:
    """Every schema's revision in a few round trips (None where never stamped)."""
    found: dict[str, str | None] = dict.fromkeys(schemas)
    stamped = set(
        conn.execute(
            text(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = :table AND table_schema = ANY(:schemas)"
            ),
            {"table": VERSION_TABLE, "schemas": schemas},
        ).scalars()
    )
    names = [s for s in schemas if s in stamped]
    # Names pass quote_schema's whitelist (t_ + letters, digits, underscores) before use.
    for start in range(0, len(names), chunk):
        union = " UNION ALL ".join(
            f"SELECT '{name}' AS schema, version_num FROM {quote_schema(name)}.{VERSION_TABLE}"  # noqa: S608
            for name in names[start : start + chunk]
        )
        found.update(dict(conn.execute(text(union)).all()))
    return found


def current_revision(conn: Connection, schema: str) -> str | None:
    """The Alembic revision a tenant schema is at (None when never migrated)."""
    if not inspect(conn).has_table(VERSION_TABLE, schema=schema):
        return None
    ctx = MigrationContext.configure(conn, opts={"version_table_schema": schema})
    return ctx.get_current_revision()
