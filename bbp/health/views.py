"""/healthz reports the database and Redis, plus worker and scheduler presence and the lag.

/metrics is Prometheus' scrape: off unless METRICS_TOKEN is set, then only on the platform host
and on bare IP addresses (how Prometheus reaches each instance), with the token as a bearer.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from rq import Worker

from bbp.extensions import redis_client
from bbp.health import bp, checks
from bbp.kernel.metrics import BackgroundCollector, schedulers
from bbp.tenancy.hosts import bare_host, classify
from bbp.tenancy.jobs import DEFAULT_QUEUE

log = logging.getLogger(__name__)


def _redis() -> tuple[str, dict]:
    """Redis status with live workers and schedulers, then the background details."""
    try:
        connection = redis_client()
        connection.ping()
        found = {
            "workers": len(Worker.all(connection=connection)),
            "schedulers": schedulers(connection),
        }
    except Exception as exc:
        return f"error: {type(exc).__name__}", {"workers": 0, "schedulers": 0}
    return "ok", found | checks.background(connection)


@bp.get("/healthz")
def healthz():
    """JSON health report: 200 when the database and Redis answer, else 503.

    Background trouble (no scheduler, a lagging tick, a long queue) shows in the details but
    never fails the check: the container health check restarts web processes, which would not
    bring a scheduler back.
    """
    database = checks.database(detailed=False).status
    redis_status, background = _redis()
    healthy = database == "ok" and redis_status == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis_status,
        **background,
    }
    return jsonify(body), 200 if healthy else 503


def metrics_host(host: str) -> bool:
    """The platform host, or a bare IP address; never an agency's host or the apex."""
    if classify(host, current_app.config["BBP_DOMAIN"]).kind == "platform":
        return True
    try:
        ipaddress.ip_address(bare_host(host).strip("[]"))
    except ValueError:
        return False
    return True


def _authorized(token: str) -> bool:
    sent = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(sent, f"Bearer {token}".encode())


def exposition() -> bytes:
    """This instance's request metrics, then the background ones every process shares."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    background = CollectorRegistry(auto_describe=False)
    background.register(BackgroundCollector(redis_client(), (DEFAULT_QUEUE,)))
    try:
        return own + generate_latest(background)
    except Exception:  # Redis down or a value it holds unreadable: still serve this instance's
        log.warning("background metrics unavailable", exc_info=True)
        return own


@bp.get("/metrics")
def metrics():
    """Prometheus text format, for a scraper holding METRICS_TOKEN."""
    token = current_app.config["METRICS_TOKEN"]
    if not token or not metrics_host(request.host):
        abort(404)
    if not _authorized(token):
        return Response(
            "a bearer token is required\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
        )
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST)
