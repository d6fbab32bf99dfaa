"""How long `flask tenants migrate` takes over every agency created by the provisioning bench.

The "one revision" case puts every agency one revision behind (the newest revision adds seven
columns to agency_settings, so it is at least "one added column") and times the upgrade back
to head through `upgrade_all`, the function behind `flask tenants migrate`.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from bbp.extensions import db
from bbp.tenancy.context import set_search_path
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
    return {
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
        ]
    )
