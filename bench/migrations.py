"""How long `flask tenants migrate` takes over every agency created by the provisioning bench."""

from __future__ import annotations

import time

from alembic import command
from sqlalchemy import select

from bbp.extensions import db
from bbp.tenancy.context import set_search_path
from bbp.tenancy.migrate import upgrade_all
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import alembic_config

BEHIND = 50
WORKERS = 4


def _downgrade(schema: str) -> None:
    with db.engine.begin() as conn:
        set_search_path(conn, schema)
        cfg = alembic_config()
        cfg.attributes.update(connection=conn, schema=schema)
        command.downgrade(cfg, "base")


def run(app) -> dict:
    """Time a no-op pass (all at head) and a pass where BEHIND schemas need the full history."""
    with app.app_context():
        schemas = db.session.scalars(select(Tenant.schema_name).order_by(Tenant.id)).all()
        db.session.rollback()
        url = db.engine.url.render_as_string(hide_password=False)
        started = time.perf_counter()
        at_head = upgrade_all(url, schemas, WORKERS)
        noop = time.perf_counter() - started
        for schema in schemas[:BEHIND]:
            _downgrade(schema)
        started = time.perf_counter()
        behind = upgrade_all(url, schemas, WORKERS)
        upgrade = time.perf_counter() - started
    return {
        "schemas": len(schemas),
        "noop_s": noop,
        "noop_skipped": sum(o.status == "skipped" for o in at_head),
        "upgrade_s": upgrade,
        "upgraded": sum(o.status == "upgraded" for o in behind),
    }


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    return "\n".join(
        [
            "## Migrating every agency",
            "",
            f"`flask tenants migrate` with {WORKERS} worker processes over {result['schemas']} "
            "agencies (process start-up included).",
            "",
            "| case | wall time |",
            "| --- | ---: |",
            f"| all at head ({result['noop_skipped']} skipped) | {result['noop_s']:.1f} s |",
            f"| {result['upgraded']} behind by the whole history, the rest at head | "
            f"{result['upgrade_s']:.1f} s |",
            "",
        ]
    )
