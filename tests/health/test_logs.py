"""JSON log lines name their request (X-Request-Id, echoed) and agency, or their job and agency."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
from rq import Queue

from bbp.jobs.observed import ObservedSimpleWorker
from bbp.kernel import logs, metrics
from bbp.tenancy.jobs import enqueue
from tests import job_functions
from tests.services import ROOT
from tests.support import host_of, process_env

log = logging.getLogger("tests.health")


@pytest.fixture
def json_lines(app):
    """Log as production does (JSON on stderr); lines() -> every JSON line so far."""
    # The test app's migration ran alembic's fileConfig, which disables every logger that
    # existed then (a web or worker process never migrates): wake the ones these tests read.
    asleep = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith(("rq", "tests")) and getattr(logger, "disabled", False)
    ]
    for logger in asleep:
        logger.disabled = False
    stream = io.StringIO()
    logs.configure("json", stream=stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    logs.configure("text")
    for logger in asleep:
        logger.disabled = True


def test_a_request_line_names_the_request_and_the_agency(app, tenant, json_lines):
    with app.test_request_context("/dashboard/", base_url=f"http://{host_of(tenant.info)}"):
        app.preprocess_request()  # the request's own hooks: its id, then its agency
        log.warning("looking at the dashboard")
        response = app.process_response(app.make_response("ok"))
    (line,) = [line for line in json_lines() if line["message"] == "looking at the dashboard"]
    assert line["agency"] == tenant.slug and line["level"] == "WARNING"
    assert line["request_id"] == response.headers["X-Request-Id"] and len(line["request_id"]) == 32
    assert line["job_id"] is None and line["time"].endswith("Z")


def test_every_response_carries_a_new_request_id(visit, tenant):
    first, second = visit(tenant).get("/login"), visit(tenant).get("/login")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert visit("admin").get("/healthz").headers["X-Request-Id"]


def test_the_proxy_request_id_is_kept_only_behind_a_trusted_proxy(app, tenant, monkeypatch):
    sent = {"X-Request-Id": "9f2c1b7e-proxy-id-0001"}
    client, base = app.test_client(), f"http://{host_of(tenant.info)}"
    assert (
        client.get("/login", base_url=base, headers=sent).headers["X-Request-Id"]
        != sent["X-Request-Id"]
    )  # without a proxy we run, a client could write anything into our logs
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_HOPS", 1)
    assert (
        client.get("/login", base_url=base, headers=sent).headers["X-Request-Id"]
        == sent["X-Request-Id"]
    )
    forged = {"X-Request-Id": 'x" "agency": "other'}
    assert (
        client.get("/login", base_url=base, headers=forged).headers["X-Request-Id"]
        != forged["X-Request-Id"]
    )


def test_job_lines_name_the_job_and_its_agency(app, redis, tenant, json_lines):
    with app.app_context():
        job = enqueue(job_functions.explode, tenant=tenant.info)
        ObservedSimpleWorker([Queue("default", connection=redis)], connection=redis).work(
            burst=True
        )
    failure = [line for line in json_lines() if "RuntimeError: boom" in json.dumps(line)]
    assert failure, "the failed job logs its traceback"
    assert {(line["job_id"], line["agency"]) for line in failure} == {(job.id, tenant.slug)}
    assert all(line["request_id"] is None for line in failure)


def test_text_is_the_default_outside_production():
    assert logs.log_format({}) == "text"
    assert logs.log_format({"BBP_ENV": "production"}) == "json"
    assert logs.log_format({"BBP_ENV": "production", "LOG_FORMAT": "text"}) == "text"
    with pytest.raises(ValueError):
        logs.log_format({"LOG_FORMAT": "xml"})


def test_the_formatter_keeps_exceptions_on_one_line():
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    logs.ContextFilter().filter(record)
    text = logs.JsonFormatter().format(record)
    assert "\n" not in text and "ValueError" in json.loads(text)["exception"]


def test_a_real_worker_logs_json_with_the_job_and_counts_it(app, redis, tenant):
    """`flask worker` forks a work horse per job: the context and the counts cross the fork."""
    with app.app_context():
        job = enqueue(job_functions.explode, tenant=tenant.info)
    env = process_env(app, LOG_FORMAT="json")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    failure = [line for line in lines if "RuntimeError: boom" in json.dumps(line)]
    assert failure and all(line["job_id"] == job.id for line in failure)
    assert all(line["agency"] == tenant.slug for line in failure)
    counted = redis.hgetall(metrics.JOBS_KEY)
    assert counted[b"tests.job_functions:explode|failed"] == b"1"
