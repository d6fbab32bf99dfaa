"""The console's system health: the checks /healthz makes (bbp/health/checks.py) in detail, plus
what only the platform knows: schemas behind head and spare schemas ready."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from werkzeug.utils import import_string

from bbp.extensions import db, redis_client
from bbp.health import checks
from bbp.platform import job_board, upgrades
from bbp.tenancy import spares
from bbp.tenancy.schema import (
    ALEMBIC_CONFIG,
    MIGRATION_CONTEXT,
    PUBLIC_MIGRATIONS_DIR,
    SCRIPT_DIRECTORY,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    """Everything the health page shows; None where the service it needs is down."""

    database: checks.Database
    redis: checks.RedisState
    workers: list[checks.WorkerState] | None
    scheduler: checks.SchedulerState
    backlogs: dict[str, dict] | None
    public_pending: int | None
    agencies_behind: int | None
    spares_ready: int | None
    spares_wanted: int


def public_pending() -> int:
    """Public-schema migrations not yet applied (`flask db upgrade` applies them)."""
    config = import_string(ALEMBIC_CONFIG)()
    config.set_main_option("script_location", str(PUBLIC_MIGRATIONS_DIR))
    script = import_string(SCRIPT_DIRECTORY).from_config(config)
    with db.engine.connect() as conn:
        applied = import_string(MIGRATION_CONTEXT).configure(conn).get_current_heads()
    lower = applied[0] if len(applied) == 1 else "base"
    return sum(1 for _ in script.iterate_revisions("heads", lower))


def _schemas() -> tuple[int | None, int | None, int | None]:
    try:
        behind = upgrades.behind_count()
        with db.engine.connect() as conn:
            ready = spares.ready(conn)
        return public_pending(), behind, ready
    except Exception:
        log.warning("schema figures unavailable", exc_info=True)
        return None, None, None


def health() -> Health:
    """Each part on its own: Redis down still shows the database, and the other way round."""
    database, redis = checks.database(), checks.redis()
    connection = redis_client() if redis.status == "ok" else None
    workers = checks.workers(connection) if connection else None
    backlogs = job_board.backlogs() if connection else None
    pending, behind, ready = _schemas() if database.status == "ok" else (None, None, None)
    return Health(
        database,
        redis,
        workers,
        checks.scheduler(connection),
        backlogs,
        pending,
        behind,
        ready,
        current_app.config["SPARE_SCHEMAS"],
    )
