"""Stopping what `make run` started: its children with their descendants, and daemonized servers."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time

import psutil

GRACE_SECONDS = 10  # an orderly stop (RQ finishes its job) before anything is killed
POLL_SECONDS = 0.1


def process_of(pid: int | None) -> psutil.Process | None:
    """The running process with this pid, remembered so that a later reuse of the pid is noticed."""
    try:
        return psutil.Process(pid) if pid else None
    except psutil.NoSuchProcess:
        return None


def gone(process: psutil.Process) -> bool:
    """True once the process has exited; a zombie counts, since no one may be left to reap it."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process has exited or the timeout passes; returns those still running."""
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if not gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        alive = [p for p in alive if not gone(p)]
    return alive


def family(pid: int) -> list[psutil.Process]:
    """A process and all its descendants (RQ's work horses sit in their own process groups)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_children(children: list[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM each child, give them the grace period, then kill whatever of their trees is left."""
    # A child that already exited was reaped, and its pid may belong to someone else by now.
    tree = [p for child in children if child.poll() is None for p in family(child.pid)]
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    wait_gone(tree, grace)
    # Descendants forked during the grace period are found again through their live parents.
    leftovers = {p.pid: p for p in tree if not gone(p)}
    for process in list(leftovers.values()):
        leftovers.update((q.pid, q) for q in family(process.pid))
    for process in leftovers.values():
        kill(process)
    wait_gone(list(leftovers.values()), grace)
    for child in children:
        child.wait()


def stop_daemon(process: psutil.Process | None, first: signal.Signals, grace: float = 30) -> None:
    """Signal a server that detached itself (not our child), wait, and kill it if it stays."""
    if process is None or gone(process):
        return
    try:
        process.send_signal(first)
    except psutil.NoSuchProcess:
        return
    if wait_gone([process], grace):
        kill(process)
        wait_gone([process], grace)


def kill(process: psutil.Process) -> None:
    """SIGKILL, for a process that would not stop when asked."""
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()
