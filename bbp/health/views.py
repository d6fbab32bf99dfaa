"""/healthz reports the database and Redis, plus worker and scheduler presence."""

from __future__ import annotations

from flask import jsonify
from rq import Worker
from rq.cron import CronScheduler
from sqlalchemy import text

from bbp.extensions import db, redis_client
from bbp.health import bp


def _database() -> str:
    """'ok' or the error class of a trivial query."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _redis() -> tuple[str, int, int]:
    """Redis status with the number of live workers and schedulers."""
    try:
        connection = redis_client()
        connection.ping()
        workers = len(Worker.all(connection=connection))
        schedulers = len(CronScheduler.all(connection))
        return "ok", workers, schedulers
    except Exception as exc:
        return f"error: {type(exc).__name__}", 0, 0


@bp.get("/healthz")
def healthz():
    """JSON health report: 200 when the database and Redis answer, else 503."""
    database = _database()
    redis_status, workers, schedulers = _redis()
    healthy = database == "ok" and redis_status == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis_status,
        "workers": workers,
        "schedulers": schedulers,
    }
    return jsonify(body), 200 if healthy else 503
