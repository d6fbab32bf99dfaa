"""The agencies the scale benchmarks share, seeded once and kept between runs (BENCH_REUSE=1).

Each is made by the real `create_tenant`, then given a bare book of BONDS active bonds, each with
a court date 20 to 40 days after seeding (beyond the reminder horizon, so nothing is due). The
missing ones are created in PROCESSES processes at once: creation is mostly PostgreSQL's DDL, so
a few connections at a time shorten seeding on a 2-core machine (10,000 agencies took 90 minutes
one at a time). What the benchmarks time goes through the real path too, but not this.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bbp.extensions import db
from bbp.platform.provisioning import create_tenant
from bbp.tenancy import bound
from bbp.tenancy.models import Tenant
from bench.book import insert_bonds
from tests.conftest import make_app

PREFIX = "pop-"
BONDS = 20
PROCESSES = int(os.environ.get("BENCH_SEED_PROCESSES", "3"))
_seeder = None


def slug(n: int) -> str:
    """The n-th shared agency's subdomain."""
    return f"{PREFIX}{n:05d}"


def schema(n: int) -> str:
    """The n-th shared agency's schema."""
    return f"t_{PREFIX.replace('-', '_')}{n:05d}"


def count(app) -> int:
    """Agencies present (shared or not)."""
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(Tenant))
        db.session.remove()
    return found


def _present(app) -> set[str]:
    with app.app_context():
        found = set(db.session.scalars(select(Tenant.slug).where(Tenant.slug.like(f"{PREFIX}%"))))
        db.session.remove()
    return found


def _init_seeder(database_url: str, redis_url: str) -> None:
    global _seeder
    _seeder = make_app(database_url, redis_url)


def _seed(numbers: list[int]) -> int:
    start = datetime.now(UTC)
    for n in numbers:
        with _seeder.app_context():
            made = create_tenant(slug(n), f"Shared Agency {n}", f"owner@{slug(n)}.example")
        with _seeder.app_context(), bound(made.tenant, db.session):
            insert_bonds(BONDS, lambda i: start + timedelta(days=20 + i))
            db.session.commit()
    return len(numbers)


def ensure(app, wanted: int) -> float:
    """Create the shared agencies 0..wanted-1 that are missing; seconds it took."""
    present = _present(app)
    missing = [n for n in range(wanted) if slug(n) not in present]
    if not missing:
        return 0.0
    started = time.perf_counter()
    chunks = [missing[i : i + 50] for i in range(0, len(missing), 50)]
    url, redis = app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"]
    done = 0
    with ProcessPoolExecutor(
        PROCESSES,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_seeder,
        initargs=(url, redis),
    ) as pool:
        for future in as_completed([pool.submit(_seed, chunk) for chunk in chunks]):
            done += future.result()
            if done % 500 < 50:
                took = time.perf_counter() - started
                print(f"  {done:,} of {len(missing):,} agencies seeded ({took:.0f} s)", flush=True)
    return time.perf_counter() - started
