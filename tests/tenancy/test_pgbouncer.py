"""Tenant binding behind PgBouncer in transaction-pooling mode (one shared server connection)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from bbp.dev.embedded import port_open
from tests.conftest import dispose, make_app
from tests.support import Visitor
from tests.tools import require_tool

pytestmark = pytest.mark.pgbouncer


def _free_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer_url(database_url):
    """Start PgBouncer (transaction pooling, one server connection) in front of the test database."""
    binary = require_tool("pgbouncer", extra_path="/usr/sbin")
    target = conninfo_to_dict(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="bbp-pgbouncer-"))
    workdir.chmod(0o777)
    port = _free_port()
    user = target.get("user", "postgres")
    (workdir / "users.txt").write_text(f'"{user}" ""\n')
    server = " ".join(
        f"{k}={target[k]}" for k in ("host", "port", "dbname", "user") if target.get(k)
    )
    (workdir / "pgbouncer.ini").write_text(f"""
[databases]
bbp = {server}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir}/users.txt
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {workdir}/pgbouncer.log
pidfile = {workdir}/pgbouncer.pid
""")
    for name in ("users.txt", "pgbouncer.ini"):
        (workdir / name).chmod(0o644)
    command = [binary, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]  # PgBouncer refuses to run as root
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"pgbouncer did not start: {process.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    yield f"postgresql://{user}@127.0.0.1:{port}/bbp"
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()
    shutil.rmtree(workdir, ignore_errors=True)


def test_control_a_session_level_set_would_leak_between_clients(pgbouncer_url, tenant):
    """Proves the pool really shares one server connection, so the next test means something."""
    with psycopg.connect(pgbouncer_url, autocommit=True, prepare_threshold=None) as first:
        first.execute(f'SET search_path TO "{tenant.info.schema}"')
        with psycopg.connect(pgbouncer_url, autocommit=True, prepare_threshold=None) as second:
            leaked = second.execute("SHOW search_path").fetchone()[0]
            second.execute("RESET search_path")
    assert tenant.info.schema in leaked


def test_requests_for_two_tenants_stay_separate_behind_pgbouncer(
    pgbouncer_url, redis_url, make_agency
):
    a, b = make_agency("pga"), make_agency("pgb")
    pooled = make_app(pgbouncer_url, redis_url)
    visitors = {}
    for agency in (a, b):
        visitor = Visitor(pooled.test_client(), f"{agency.slug}.localhost")
        assert visitor.login(agency.owner_email).status_code == 302
        visitors[agency.slug] = visitor

    def check(agency, other):
        for _ in range(8):  # past psycopg's prepare threshold: prepared statements would break
            body = visitors[agency.slug].get("/staff/").get_data(as_text=True)
            assert agency.owner_email in body, "a tenant lost its own rows"
            assert other.owner_email not in body, "a tenant saw another tenant's rows"
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda pair: check(*pair), [(a, b), (b, a)] * 3))
    assert all(results)
    with psycopg.connect(pgbouncer_url, autocommit=True, prepare_threshold=None) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0] == '"$user", public'
    dispose(pooled)
