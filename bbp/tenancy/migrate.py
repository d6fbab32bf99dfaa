"""Upgrade tenant schemas with Alembic: one schema at a time, or all of them in parallel."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from werkzeug.utils import import_string

from bbp.tenancy.context import set_search_path
from bbp.tenancy.schema import (
    ALEMBIC_COMMAND,
    ENVIRONMENT_CONTEXT,
    alembic_config,
    current_revision,
    head_revision,
    revisions,
    script_directory,
)


@dataclass(frozen=True)
class MigrationOutcome:
    """What happened to one tenant schema."""

    schema: str
    status: str  # "upgraded", "skipped" or "failed"
    revision: str | None = None
    error: str | None = None  # the whole message, for the command line and the logs
    # The error's kind alone (class and SQLSTATE): a database message can quote a row's values.
    summary: str | None = None


def upgrade_schema(engine: Engine, schema: str, target: str = "head") -> MigrationOutcome:
    """Upgrade one schema in one transaction; a failure rolls that schema back whole.

    What `alembic upgrade` does, with the revision files read once per process rather than
    once per schema.
    """
    head = head_revision()
    script = script_directory()
    with engine.begin() as conn:
        if target == "head" and current_revision(conn, schema) == head:
            return MigrationOutcome(schema, "skipped", head)
        set_search_path(conn, schema)
        cfg = alembic_config()
        cfg.attributes.update(connection=conn, schema=schema)
        with import_string(ENVIRONMENT_CONTEXT)(
            cfg,
            script,
            fn=lambda rev, _context: script._upgrade_revs(target, rev),
            destination_rev=target,
        ):
            script.run_env()
        return MigrationOutcome(schema, "upgraded", current_revision(conn, schema))


def refresh_catalog_statistics(conn: Connection) -> None:
    """ANALYZE the two catalogs Alembic's version-table check joins, as autovacuum would.

    Alembic asks `has_table` once per schema it upgrades. With stale statistics on pg_class
    and pg_namespace that join is planned as a nested loop over every agency's version table
    (quadratic in the number of agencies); with fresh ones it is two index lookups. Without
    the privilege (database owner) PostgreSQL only warns, and the run goes on.
    """
    conn.exec_driver_sql("ANALYZE pg_catalog.pg_class, pg_catalog.pg_namespace")
    conn.commit()


_worker_engine: Engine | None = None


def _init_worker(database_url: str) -> None:
    global _worker_engine
    _worker_engine = create_engine(
        database_url, pool_size=1, connect_args={"prepare_threshold": None}
    )


def _upgrade_in_worker(schema: str, target: str) -> MigrationOutcome:
    try:
        return upgrade_schema(_worker_engine, schema, target)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        code = getattr(getattr(exc, "orig", exc), "sqlstate", None)
        summary = type(exc).__name__ + (f" (SQLSTATE {code})" if code else "")
        return MigrationOutcome(schema, "failed", error=detail, summary=summary)


def upgrade_all(
    database_url: str,
    schemas: Iterable[str],
    workers: int,
    target: str = "head",
    on_done: Callable[[MigrationOutcome], None] | None = None,
) -> list[MigrationOutcome]:
    """Upgrade many schemas in worker processes; one failure never stops the rest.

    Processes, not threads: Alembic's `op` and `context` proxies are module globals.
    """
    schemas = list(schemas)
    outcomes: list[MigrationOutcome] = []
    if target == "head":  # answer schemas already at head without starting any process
        engine = create_engine(
            database_url, poolclass=NullPool, connect_args={"prepare_threshold": None}
        )
        with engine.connect() as conn:
            found = revisions(conn, schemas)
            if any(found[s] != head_revision() for s in schemas):
                refresh_catalog_statistics(conn)
        engine.dispose()
        head = head_revision()
        for schema in [s for s in schemas if found[s] == head]:
            outcomes.append(MigrationOutcome(schema, "skipped", head))
            if on_done:
                on_done(outcomes[-1])
        schemas = [s for s in schemas if found[s] != head]
    if not schemas:
        return outcomes
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(schemas))),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(database_url,),
    ) as pool:
        futures = [pool.submit(_upgrade_in_worker, schema, target) for schema in schemas]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


SCRATCH_SCHEMA = "t__revision_scratch"


def autogenerate_revision(engine: Engine, message: str) -> None:
    """Write a new tenant revision by diffing the models against a scratch schema at head."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{SCRATCH_SCHEMA}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{SCRATCH_SCHEMA}"')
        conn.commit()
    try:
        upgrade_schema(engine, SCRATCH_SCHEMA)
        with engine.begin() as conn:
            set_search_path(conn, SCRATCH_SCHEMA)
            cfg = alembic_config()
            cfg.attributes.update(connection=conn, schema=SCRATCH_SCHEMA)
            import_string(ALEMBIC_COMMAND).revision(cfg, message=message, autogenerate=True)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{SCRATCH_SCHEMA}" CASCADE')
