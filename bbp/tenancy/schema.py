"""Tenant-schema DDL: the table set, fast creation at head, and Alembic revisions per schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, Table, create_mock_engine, text
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.engine import Connection
from werkzeug.utils import import_string

from bbp.tenancy.context import quote_schema, set_search_path

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# Alembic (with Mako) is loaded by its path when a migration or a revision is first needed, not
# in every web worker (docs/decisions.md, "Heavy libraries stay in the workers").
ALEMBIC_CONFIG = "alembic.config:Config"
SCRIPT_DIRECTORY = "alembic.script:ScriptDirectory"
ENVIRONMENT_CONTEXT = "alembic.runtime.environment:EnvironmentContext"
MIGRATION_CONTEXT = "alembic.runtime.migration:MigrationContext"
ALEMBIC_COMMAND = "alembic.command"

TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"
PUBLIC_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"  # `flask db`'s
VERSION_TABLE = "alembic_version"


def tenant_tables(metadata: MetaData) -> list[Table]:
    """Tables that live in each tenant schema (models declared without a schema)."""
    return [t for t in metadata.sorted_tables if t.schema is None]


def alembic_config() -> Config:
    """Alembic configuration for the tenant migration tree in tenants/."""
    cfg = import_string(ALEMBIC_CONFIG)()
    cfg.set_main_option("script_location", str(TENANTS_DIR))
    return cfg


@cache
def script_directory() -> ScriptDirectory:
    """The tenant tree, read once per process (revision files never change under a process)."""
    return import_string(SCRIPT_DIRECTORY).from_config(alembic_config())


@cache
def head_revision() -> str:
    """The tenant tree's single head."""
    return script_directory().get_current_head()


def create_at_head(conn: Connection, schema: str, metadata: MetaData) -> None:
    """Create the schema, every tenant table and the version stamp in the caller's transaction.

    `metadata` must hold every model: the caller registers them (tenancy imports no features).
    Rendering DDL from the models costs the same however many tenants exist, unlike replaying
    the migration history; tests prove the two produce the same schema. The DDL is rendered
    once per process and sent in one round trip, and nothing here reads the catalog: a catalog
    query (Alembic's stamp asked `has_table` twice) grows with the number of agencies.
    CREATE SCHEMA fails if the schema exists, so an existing schema is never adopted.
    """
    conn.exec_driver_sql(f"CREATE SCHEMA {quote_schema(schema)}")
    set_search_path(conn, schema)
    conn.exec_driver_sql(creation_script(metadata), execution_options={"no_parameters": True})


@cache
def creation_script(metadata: MetaData) -> str:
    """Every tenant table, index and trigger, then the version table at head, as one script.

    Names are unqualified: the script runs with search_path set to the new schema. The version
    table is the one Alembic's stamp would create (same name, column and constraint).
    """
    statements: list[str] = []
    dialect = psycopg.dialect(paramstyle="named")  # no doubled percent signs

    def collect(sql, *multiparams, **params) -> None:
        statements.append(str(sql.compile(dialect=dialect)).strip())

    mock = create_mock_engine("postgresql+psycopg://", collect)
    metadata.create_all(mock, tables=tenant_tables(metadata), checkfirst=False)
    statements.append(
        f"CREATE TABLE {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
        f"CONSTRAINT {VERSION_TABLE}_pkc PRIMARY KEY (version_num))"
    )
    # The head is a hex revision id from our own tree, not input.
    statements.append(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES ('{head_revision()}')")  # noqa: S608
    return ";\n".join(statements) + ";"


def revisions(conn: Connection, schemas: list[str], chunk: int = 500) -> dict[str, str | None]:
    """Every schema's revision in a few round trips (None where never stamped).

    Each version table is found by name (`to_regclass`, one index lookup per schema), never by
    a join over the catalog: with stale catalog statistics such a join is planned as a nested
    loop whose cost grows with the square of the number of agencies. Each chunk commits, so
    the locks its UNION takes (one per version table) never pile up past the lock table.
    """
    found: dict[str, str | None] = dict.fromkeys(schemas)
    stamped = set(
        conn.execute(
            text(
                "SELECT name FROM unnest(CAST(:schemas AS text[])) AS name "
                "WHERE to_regclass(quote_ident(name) || '.' || :table) IS NOT NULL"
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
        conn.commit()
    return found


def current_revision(conn: Connection, schema: str) -> str | None:
    """The Alembic revision a tenant schema is at (None when never migrated); no catalog scan."""
    table = f"{quote_schema(schema)}.{VERSION_TABLE}"
    if conn.scalar(text("SELECT to_regclass(:table)"), {"table": table}) is None:
        return None
    return conn.scalar(text(f"SELECT version_num FROM {table}"))  # noqa: S608
