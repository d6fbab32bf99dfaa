"""The web server of `make run` says what it does in one line, and still logs requests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.services import ROOT
from tests.support import process_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    """True once the server answers at all (health may say 503: no worker runs here)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def test_the_web_server_announces_itself_without_flask_and_werkzeug_banners(app, tmp_path):
    port = free_port()
    env = process_env(
        app,
        BBP_DOMAIN=f"localhost:{port}",
    )
    env.pop("FLASK_DEBUG", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "bbp.dev.serve", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the reloader's child too is stopped with the group
        )
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    lines = log.read_text().splitlines()
    assert lines[0] == (
        f"Web: http://127.0.0.1:{port} answers for every *.localhost:{port} host "
        "(development server; restarts when the code changes)"
    )
    for banner in ("Debug mode", "Serving Flask app", "Running on", "CTRL+C", "Restarting with"):
        assert not any(banner in line for line in lines), lines
    assert any('"GET /healthz HTTP/1.1"' in line for line in lines), lines
