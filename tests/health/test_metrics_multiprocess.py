"""Under gunicorn each worker is its own process: with PROMETHEUS_MULTIPROC_DIR (set by
docker/entrypoint.sh) a scrape answered by one process reports the requests of the others."""

from __future__ import annotations

import subprocess
import sys

from tests.services import ROOT
from tests.support import process_env

TOKEN = "metrics-token-for-tests-0123456789abcdef"
SERVE = "from wsgi import app\nc = app.test_client()\n" + (
    "for _ in range(3): assert c.get('/healthz', base_url='http://localhost').status_code == 200\n"
)
SCRAPE = (
    "from wsgi import app\n"
    "r = app.test_client().get('/metrics', base_url='http://admin.localhost',"
    f" headers={{'Authorization': 'Bearer {TOKEN}'}})\n"
    "assert r.status_code == 200, r.status_code\nprint(r.get_data(as_text=True))\n"
)


def _python(app, code: str, directory) -> str:
    env = process_env(
        app,
        BBP_DOMAIN="localhost",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_scrape_reports_the_requests_another_process_served(app, redis, tmp_path):
    _python(app, SERVE, tmp_path)
    body = _python(app, SCRAPE, tmp_path)
    served = [
        line
        for line in body.splitlines()
        if line.startswith("bbp_http_request_duration_seconds_count")
        and 'endpoint="health.healthz"' in line
    ]
    assert served and float(served[0].rsplit(" ", 1)[1]) == 3
    assert "bbp_scheduler_lag_seconds" in body or "bbp_queue_jobs" in body
