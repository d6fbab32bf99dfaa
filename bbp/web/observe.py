"""Every request: an id for its log lines (echoed as X-Request-Id) and its latency by endpoint.

The latency histogram lives in this process. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by
docker/entrypoint.sh) makes prometheus-client keep it in files the workers share, so /metrics
from any worker of one instance reports all of them. Labels are the endpoint name, the method
and the status: never the raw path or the agency, which would grow without bound.
"""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, current_app, g, request
from prometheus_client import Histogram

from bbp.kernel import logs
from bbp.tenancy import current_tenant

HEADER = "X-Request-Id"
# What a proxy's id may look like (nginx's $request_id, a UUID); anything else is replaced.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
REQUEST_SECONDS = Histogram(
    "bbp_http_request_duration_seconds",
    "Time to answer a request, by endpoint name, method and status",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# A client may send any word as its method: anything else is "other", or series would be unbounded.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Keys in the WSGI environ that gunicorn's access log reads back (bbp/web/weblog.py).
ENVIRON_REQUEST_ID = "bbp.request_id"
ENVIRON_AGENCY = "bbp.agency"


def incoming_id() -> str:
    """The proxy's X-Request-Id when we run a proxy and it is well formed, else a new one."""
    sent = request.headers.get(HEADER, "")
    if current_app.config["TRUSTED_PROXY_HOPS"] and _WELL_FORMED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = incoming_id()
    g.request_id_token = logs.bind_request(g.request_id)
    request.environ[ENVIRON_REQUEST_ID] = g.request_id


def _finish(response):
    response.headers[HEADER] = g.get("request_id") or incoming_id()
    tenant = current_tenant()
    if tenant is not None:
        request.environ[ENVIRON_AGENCY] = tenant.slug
    started = g.get("request_started")
    if started is not None:
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(
            request.endpoint or "none", method, str(response.status_code)
        ).observe(time.perf_counter() - started)
    return response


def _unbind(exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.unbind_request(token)


def init_app(app: Flask) -> None:
    """Start the clock and name the request before anything else (the site lookup included)."""
    logs.configure(app.config["LOG_FORMAT"])
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_unbind)
