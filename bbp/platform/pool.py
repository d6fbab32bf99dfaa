"""Keep SPARE_SCHEMAS spare tenant schemas ready, so creating an agency renames one (fast at
any number of agencies) instead of creating its tables (docs/decisions.md, "Spare schemas")."""

from __future__ import annotations

from flask import current_app
from rq import Queue
from sqlalchemy import text

from bbp import models
from bbp.extensions import db, redis_client
from bbp.tenancy import spares
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app

# One keeper at a time: two would each see the pool short and overfill it.
KEEPER_LOCK = 0x5BA2E


def keep_spares() -> int:
    """Drop spares an older deploy made, then make spares up to SPARE_SCHEMAS; returns how many
    were made (0 when another keeper is at work)."""
    wanted = current_app.config["SPARE_SCHEMAS"]
    conn = db.session.connection()
    if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": KEEPER_LOCK}):
        db.session.rollback()
        return 0
    spares.drop_stale(conn)
    made = 0
    for _ in range(max(wanted - spares.ready(conn), 0)):
        spares.make(conn, models.metadata)
        made += 1
    db.session.commit()
    return made


def keep_spares_job() -> int:
    """Worker job: top the pool up after a creation took a spare."""
    with job_app().app_context():
        try:
            return keep_spares()
        finally:
            db.session.remove()


def top_up_later() -> None:
    """Have a worker make a spare for the one a creation just took (when the pool is on)."""
    if current_app.config["SPARE_SCHEMAS"]:
        Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue(
            keep_spares_job, description="keep spare agency schemas"
        )
