"""Real `flask worker` processes for the background benchmarks, and waiting for their queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
from rq import Queue, Worker
from rq.registry import StartedJobRegistry

from bbp.tenancy.jobs import DEFAULT_QUEUE
from tests.services import ROOT
from tests.support import process_env

TICKS = os.sysconf("SC_CLK_TCK")


def start(app, count: int, fork: bool = False) -> list[subprocess.Popen]:
    """`count` long-running workers, as in production; returns once they all take jobs."""
    connection = app.extensions["redis"]
    before = Worker.count(connection=connection)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    procs = [
        subprocess.Popen(
            command + (["--fork"] if fork else []),
            cwd=ROOT,
            env=process_env(app),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while Worker.count(connection=connection) < before + count:
        if time.monotonic() > deadline:
            stop(procs)
            raise RuntimeError("the workers did not start")
        time.sleep(0.1)
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    """Ask the workers to finish (warm shutdown) and wait for them."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        proc.wait(timeout=120)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and any work horse it forked, mid-job."""
    family = [proc.pid] + [child.pid for child in psutil.Process(proc.pid).children(True)]
    for pid in family:
        os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=10)


def queue(app) -> Queue:
    return Queue(DEFAULT_QUEUE, connection=app.extensions["redis"])


def wait_idle(app, ignore: frozenset[str] = frozenset(), timeout: float = 3600) -> None:
    """Until nothing waits in the queue and no job runs (`ignore`: jobs of killed workers)."""
    jobs = queue(app)
    started = StartedJobRegistry(queue=jobs)
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 3:  # three looks in a row: a job between dequeue and its registry is seen
        running = set(started.get_job_ids()) - ignore
        quiet = quiet + 1 if not jobs.count and not running else 0
        if time.monotonic() > deadline:
            raise RuntimeError("the workers never went idle")
        time.sleep(0.05)


def cpu(procs: list[subprocess.Popen]) -> float:
    """CPU seconds of the workers and their reaped work horses."""
    total = 0
    for proc in procs:
        with open(f"/proc/{proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICKS
