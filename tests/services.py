"""Where the suite finds PostgreSQL and Redis: configured, local default ports, or embedded."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bbp.dev.embedded import ensure_database, port_open, start_postgres, start_redis

ROOT = Path(__file__).resolve().parents[1]
# Under pytest-xdist each worker (gw0, gw1, ...) gets its own database and Redis database.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0
TEST_DATABASE = f"bbp_test_{WORKER}" if WORKER else "bbp_test"
TEST_REDIS_DB = 15 - WORKER_INDEX
_keep_alive: list = []


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def database_url() -> str:
    """A dedicated test database: TEST_DATABASE_URL, else bbp_test on the configured server."""
    if os.environ.get("TEST_DATABASE_URL"):
        url = os.environ["TEST_DATABASE_URL"]
        return url + (f"_{WORKER}" if WORKER else "")
    if os.environ.get("DATABASE_URL"):
        server = os.environ["DATABASE_URL"]
    elif port_open("127.0.0.1", 5432):
        server = "postgresql://postgres@127.0.0.1:5432/postgres"
    else:
        handle, server = start_postgres(ROOT / "instance" / f"test-postgres{WORKER}", "postgres")
        _keep_alive.append(handle)
    ensure_database(server, TEST_DATABASE)
    return _with_database(server, TEST_DATABASE)


def admin_url(url: str) -> str:
    """The maintenance database on the same server (to drop and create the test database)."""
    return _with_database(url, "postgres")


def redis_url() -> str:
    """Redis for tests: TEST_REDIS_URL, else database 15 of the configured or local server."""
    if os.environ.get("TEST_REDIS_URL"):
        return (
            os.environ["TEST_REDIS_URL"]
            if not WORKER
            else urlunsplit(
                urlsplit(os.environ["TEST_REDIS_URL"])._replace(path=f"/{TEST_REDIS_DB}")
            )
        )
    if os.environ.get("REDIS_URL"):
        parts = urlsplit(os.environ["REDIS_URL"])
        return urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))
    if port_open("127.0.0.1", 6379):
        return f"redis://127.0.0.1:6379/{TEST_REDIS_DB}"
    handle, url = start_redis(ROOT / "instance" / f"test-redis{WORKER}" / "bbp.rdb")
    _keep_alive.append(handle)
    return url
