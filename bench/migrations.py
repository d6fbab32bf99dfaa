"""How long `flask tenants migrate` takes over every agency created by the provisioning bench.

The "one revision" case puts every agency one revision behind (the newest revision adds seven
columns to agency_settings, so it is at least "one added column") and times the upgrade back
to head through `upgrade_all`, the function behind `flask tenants migrate`.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import psycopg
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from bbp.extensions import db
from bbp.tenancy.context import quote_schema, set_search_path
from bbp.tenancy.migrate import upgrade_all
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import alembic_config, head_revision

WORKERS = 4
TARGET = 10000


def _downgrade(url: str, schemas: list[str], revision: str) -> None:
    engine = create_engine(url, poolclass=NullPool, connect_args={"prepare_threshold": None})
    for schema in schemas:
        with engine.begin() as conn:
            set_search_path(conn, schema)
            cfg = alembic_config()
            cfg.attributes.update(connection=conn, schema=schema)
            command.downgrade(cfg, revision)
    engine.dispose()


def _downgrade_all(url: str, schemas: list[str], revision: str) -> None:
    """Put schemas back at revision, in WORKERS processes (setup, not timed)."""
    parts = [schemas[i::WORKERS] for i in range(WORKERS)]
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in [pool.submit(_downgrade, url, part, revision) for part in parts]:
            future.result()


# One added column written three ways; each runs in its own transaction per agency, then is dropped.
FORMS = {
    "one statement: `ADD COLUMN … DEFAULT '' NOT NULL`": [
        "ALTER TABLE {s}.agency_settings ADD COLUMN bench_col varchar(10) DEFAULT '' NOT NULL"
    ],
    "nullable, then `SET DEFAULT`, backfill, `SET NOT NULL`": [
        "ALTER TABLE {s}.agency_settings ADD COLUMN bench_col varchar(10)",
        "ALTER TABLE {s}.agency_settings ALTER COLUMN bench_col SET DEFAULT ''",
        "UPDATE {s}.agency_settings SET bench_col = ''",
        "ALTER TABLE {s}.agency_settings ALTER COLUMN bench_col SET NOT NULL",
    ],
    "nullable, no default": ["ALTER TABLE {s}.agency_settings ADD COLUMN bench_col varchar(10)"],
}
COLUMN_SAMPLE = 50


def one_column(url: str, schemas: list[str]) -> dict[str, float]:
    """Median server time (ms, commit included) of adding one column per agency, per form."""
    step = max(1, len(schemas) // COLUMN_SAMPLE)
    sample = [quote_schema(s) for s in schemas[::step][:COLUMN_SAMPLE]]
    found = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for label, statements in FORMS.items():
            timings = []
            for schema in sample:
                started = time.perf_counter()
                for statement in statements:
                    conn.execute(statement.format(s=schema))
                conn.commit()
                timings.append(time.perf_counter() - started)
                conn.execute(f"ALTER TABLE {schema}.agency_settings DROP COLUMN bench_col")
                conn.commit()
            found[label] = statistics.median(timings) * 1000
    return found


def run(app) -> dict:
    """Time a no-op pass (all at head) and a pass where every agency is one revision behind."""
    with app.app_context():
        schemas = db.session.scalars(select(Tenant.schema_name).order_by(Tenant.id)).all()
        db.session.rollback()
        url = db.engine.url.render_as_string(hide_password=False)
        started = time.perf_counter()
        at_head = upgrade_all(url, schemas, WORKERS)
        noop = time.perf_counter() - started
        previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
        _downgrade_all(url, schemas, previous.down_revision)
        started = time.perf_counter()
        behind = upgrade_all(url, schemas, WORKERS)
        upgrade = time.perf_counter() - started
        columns = one_column(url, schemas)
    return {
        "columns": columns,
        "schemas": len(schemas),
        "noop_s": noop,
        "noop_skipped": sum(o.status == "skipped" for o in at_head),
        "upgrade_s": upgrade,
        "upgraded": sum(o.status == "upgraded" for o in behind),
        "failed": sum(o.status == "failed" for o in behind),
        "revision": previous.doc,
    }


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    per = result["upgrade_s"] / max(result["upgraded"], 1)
    return "\n".join(
        [
            "## Migrating every agency",
            "",
            f"`upgrade_all` (what `flask tenants migrate` runs) with {WORKERS} worker processes "
            f"over {result['schemas']:,} agencies, process start-up included. Target: one added "
            f"column for {TARGET:,} agencies in under 10 minutes.",
            "",
            "| case | wall time |",
            "| --- | ---: |",
            f"| all at head ({result['noop_skipped']:,} skipped) | {result['noop_s']:.1f} s |",
            f'| all {result["upgraded"]:,} one revision behind ("{result["revision"]}": seven '
            f"added columns), {result['failed']} failed | {result['upgrade_s']:.1f} s |",
            "",
            f"{per * 1000:.0f} ms of wall time per agency; at that rate {TARGET:,} agencies take "
            f"{per * TARGET / 60:.1f} minutes.",
            "",
            f"How a revision adds a column matters more than anything `flask tenants migrate` "
            f"does. Server time to add one column to `agency_settings`, commit included, median "
            f"over {COLUMN_SAMPLE} agencies of the {result['schemas']:,}:",
            "",
            "| written as | per agency |",
            "| --- | ---: |",
            *(f"| {label} | {ms:.1f} ms |" for label, ms in result["columns"].items()),
            "",
        ]
    )
