"""`make bench`: run every benchmark against a scratch database and rewrite docs/performance.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from flask_migrate import upgrade

from bench import (
    desk,
    migrations,
    pacing,
    pages,
    population,
    provisioning,
    reminders,
    scheduler,
)
from tests import services
from tests.conftest import dispose, make_app

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = (provisioning, migrations, desk, pages, reminders, pacing, scheduler)
MARK = "<!-- bench:"  # migrations reuses the agencies provisioning made


# A shared server can host several benches at once: BENCH_DATABASE and BENCH_REDIS_DB say whose.
DATABASE = os.environ.get("BENCH_DATABASE", "bbp_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
# Keep the scratch database between runs, so 10,000 seeded agencies serve several benchmarks.
REUSE = os.environ.get("BENCH_REUSE") == "1"


def _database(reuse: bool) -> str:
    url = services.database_url().rsplit("/", 1)[0] + "/" + DATABASE
    with psycopg.connect(services.admin_url(url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if reuse and found:
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return url


def bench_app(reuse: bool = REUSE):
    """The app on the scratch database (fresh unless reused), its public schema at head."""
    # A Redis database of its own: its workers must not take jobs from a test run.
    redis_url = urlunsplit(urlsplit(services.redis_url())._replace(path=f"/{REDIS_DB}"))
    app = make_app(_database(reuse), redis_url)
    with app.app_context():
        upgrade()
    return app


def _machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def _previous(out: Path) -> dict[str, str]:
    """Sections of the last report, by benchmark name (kept when a run skips them)."""
    if not out.exists():
        return {}
    found = {}
    for chunk in out.read_text().split(MARK)[1:]:
        name, _, body = chunk.partition(" -->\n")
        found[name] = body.strip()
    return found


def main(names: list[str]) -> None:
    if names[:1] == ["seed"]:  # python -m bench.run seed 10000: only the shared agencies
        app = bench_app(reuse=True)
        took = population.ensure(app, int(names[1]))
        print(f"seeded in {took:.0f} s; {population.count(app):,} agencies present")
        dispose(app)
        return
    chosen = [b for b in BENCHMARKS if not names or b.__name__.split(".")[-1] in names]
    app = bench_app()
    out = ROOT / "docs" / "performance.md"
    sections = _previous(out)
    for bench in chosen:
        print(f"running {bench.__name__} ...")
        # Each starts from an empty Redis: no job, delayed drain or scheduler lock of the last.
        app.extensions["redis"].flushdb()
        sections[bench.__name__.split(".")[-1]] = bench.report(bench.run(app)).strip()
    dispose(app)
    header = [
        "# Performance",
        "",
        "Produced by `make bench` (which runs `python -m bench.run`; name benchmarks to run only "
        f"those, e.g. `python -m bench.run reminders`), last on {datetime.now(UTC):%Y-%m-%d} "
        f"({_machine()}), against the local PostgreSQL in a scratch database (`bbp_bench`, or "
        "`BENCH_DATABASE`). "
        "Re-run it after changes that touch these paths.",
        "",
    ]
    order = [b.__name__.split(".")[-1] for b in BENCHMARKS]
    body = "\n\n".join(f"{MARK}{name} -->\n{sections[name]}" for name in order if name in sections)
    out.write_text("\n".join(header) + "\n" + body + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
