"""`make bench`: run every benchmark against a scratch database and rewrite docs/performance.md."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from flask_migrate import upgrade

from bench import desk, migrations, provisioning
from tests import services
from tests.conftest import dispose, make_app

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = (provisioning, migrations, desk)  # migrations reuses the agencies provisioning made


def _fresh_database() -> str:
    url = services.database_url().rsplit("/", 1)[0] + "/bbp_bench"
    with psycopg.connect(services.admin_url(url), autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "bbp_bench" WITH (FORCE)')
        conn.execute('CREATE DATABASE "bbp_bench"')
    return url


def _machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def main() -> None:
    app = make_app(_fresh_database(), services.redis_url())
    with app.app_context():
        upgrade()
    sections = []
    for bench in BENCHMARKS:
        print(f"running {bench.__name__} ...")
        sections.append(bench.report(bench.run(app)))
    dispose(app)
    header = [
        "# Performance",
        "",
        "Produced by `make bench` (which runs `python -m bench.run`) on "
        f"{datetime.now(UTC):%Y-%m-%d} ({_machine()}), against the local PostgreSQL in a scratch "
        "database `bbp_bench`. Re-run it after changes that touch these paths.",
        "",
    ]
    out = ROOT / "docs" / "performance.md"
    out.write_text("\n".join(header) + "\n" + "\n\n".join(sections).rstrip() + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
