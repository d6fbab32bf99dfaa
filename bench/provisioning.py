"""How long creating an agency takes as the number of existing agencies grows.

Checkpoints 0, 500 and 2,000 by default; BENCH_LARGE=1 adds 10,000 (never in CI). The agencies
present are the shared ones (bench/population.py, seeded in a few processes and kept with
BENCH_REUSE=1); a checkpoint below what is already present is skipped. At each checkpoint
SAMPLES agencies are created one at a time through `create_tenant`, timed, then dropped again.
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

import psycopg
from flask_migrate import upgrade
from rq import Queue
from sqlalchemy import make_url, text

from bbp import create_app
from bbp.extensions import db, redis_client
from bbp.platform.pool import keep_spares
from bbp.platform.provisioning import create_tenant, drop_tenant
from bbp.tenancy.jobs import DEFAULT_QUEUE
from bench import population

LARGE = os.environ.get("BENCH_LARGE") == "1"
CHECKPOINTS = (0, 500, 2000, 10000) if LARGE else (0, 500, 2000)
SAMPLES = 20
TARGET = 10000


def _create(index: int) -> float:
    started = time.perf_counter()
    create_tenant(f"new-{index:05d}", f"New Agency {index}", f"owner@new{index}.example")
    return time.perf_counter() - started


def _catalog() -> dict:
    row = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM pg_catalog.pg_class), "
            "pg_total_relation_size('pg_catalog.pg_class') "
            "+ pg_total_relation_size('pg_catalog.pg_attribute') "
            "+ pg_total_relation_size('pg_catalog.pg_depend') "
            "+ pg_total_relation_size('pg_catalog.pg_type')"
        )
    ).one()
    db.session.rollback()
    return {"relations": row[0], "catalog_mb": row[1] / 2**20}


# What Alembic's stamp used to ask twice per creation (SQLAlchemy's has_table), and what
# current_revision asks now.
HAS_TABLE = (
    "SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace "
    "ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace "
    "WHERE pg_catalog.pg_class.relname IN ('alembic_version') "
    "AND pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) "
    "AND pg_catalog.pg_namespace.nspname = :schema"
)
BY_NAME = "SELECT to_regclass(quote_ident(:schema) || '.alembic_version')"


def plans(schema: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of the old catalog join and the by-name lookup, for one schema."""
    found = {}
    for name, sql in (("has_table", HAS_TABLE), ("to_regclass", BY_NAME)):
        rows = db.session.execute(
            text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"), {"schema": schema}
        ).scalars()
        found[name] = "\n".join(rows)
        db.session.rollback()
    return found


def _slope(rows: list[dict], key: str) -> float:
    """Least-squares ms per agency already present."""
    xs = [r["existing"] for r in rows]
    ys = [r[key] for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


@contextmanager
def _reference(app):
    """An app on an empty scratch database beside the bench's, dropped afterwards.

    Creations there are timed in turn with the bench's own, so load from other work on the
    machine weighs on both alike and the difference is what the number of agencies costs.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{url.database}_ref"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    reference = create_app(
        {
            "BBP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url.set(database=name).render_as_string(False),
            "REDIS_URL": app.config["REDIS_URL"],
            "BBP_DOMAIN": app.config["BBP_DOMAIN"],
        }
    )
    with reference.app_context():
        upgrade()
    try:
        yield reference
    finally:
        with reference.app_context():
            db.engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _in_reference(reference, index: int) -> float:
    with reference.app_context():
        took = _create(index)
        drop_tenant(f"new-{index:05d}")  # the reference database stays empty
        db.session.remove()
    return took


def _percentiles(timings: list[float], prefix: str = "") -> dict:
    timings = sorted(timings)
    return {
        f"{prefix}p50_ms": statistics.median(timings) * 1000,
        f"{prefix}p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
        f"{prefix}max_ms": timings[-1] * 1000,
    }


def _checkpoint(app, reference) -> dict:
    """SAMPLES creations here and in the empty database, in turn; dropped again afterwards."""
    here, empty = [], []
    with app.app_context():
        for i in range(SAMPLES):
            here.append(_create(i))
            empty.append(_in_reference(reference, i))
        row = _percentiles(here) | _percentiles(empty, "ref_") | _catalog()
        row |= _percentiles(_from_spares(app), "spare_")
        for i in range(2 * SAMPLES):
            drop_tenant(f"new-{i:05d}")
        db.session.remove()
    return row


def _from_spares(app) -> list[float]:
    """SAMPLES creations that each rename a spare schema, as with the pool on in production; the
    spare is made untimed before each, as a worker makes it between creations."""
    app.config["SPARE_SCHEMAS"] = 1
    try:
        timings = []
        for i in range(SAMPLES, 2 * SAMPLES):
            keep_spares()
            timings.append(_create(i))
    finally:
        app.config["SPARE_SCHEMAS"] = 0
        Queue(DEFAULT_QUEUE, connection=redis_client()).empty()  # the top-ups nobody will run
    return timings


def run(app) -> dict:
    """Grow the shared agencies to each checkpoint; time SAMPLES creations there and in an
    empty database."""
    rows = []
    seeding = 0.0
    with _reference(app) as reference:
        for checkpoint in CHECKPOINTS:
            if population.count(app) > checkpoint:
                continue
            seeding += population.ensure(app, checkpoint)
            present = population.count(app)
            print(f"  {present:,} agencies present", flush=True)
            row = {"existing": present} | _checkpoint(app, reference)
            row["excess_ms"] = row["p50_ms"] - row["ref_p50_ms"]
            rows.append(row)
    with app.app_context():
        explained = plans(population.schema(0))
        db.session.remove()
    slope = (
        {key: _slope(rows, key) * 1000 for key in ("p50_ms", "p95_ms", "excess_ms")}
        if len(rows) > 1
        else None
    )
    return {"rows": rows, "seeding_s": seeding, "slope": slope, "plans": explained}


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    lines = [
        "## Creating an agency",
        "",
        "Target: under 300 ms p95 with 10,000 agencies present. Each creation makes the public "
        "rows, the agency's schema and the first owner in one transaction. The schema is a spare "
        "one made ahead at head and renamed (production keeps `SPARE_SCHEMAS`, default 2, ready; "
        "a worker makes the next between creations), or, when none is ready, every tenant table "
        "at head and the version stamp, made there from one script rendered once per process. "
        "Command: "
        "`python -m bench.run provisioning` (`BENCH_LARGE=1` adds the 10,000 point; "
        "`BENCH_REUSE=1` keeps the seeded agencies, `python -m bench.run seed 10000` seeds them "
        "alone; `BENCH_DATABASE` names the scratch database).",
        "",
        "Each row also times the same number of creations in an empty database, one in turn "
        "with each creation here, so load from other work on the shared machine weighs on both "
        "alike: the excess over the empty database is what the agencies already present cost.",
        "",
        "| agencies already present | from a spare schema: p50 / p95 | making the tables: p50 "
        "| p95 | max | empty database, same minutes: p50 / p95 | excess p50 "
        "| relations in pg_class | catalog size |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['existing']:,} | **{row['spare_p50_ms']:.0f} / {row['spare_p95_ms']:.0f} ms** "
            f"| {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | "
            f"{row['max_ms']:.0f} ms | {row['ref_p50_ms']:.0f} / {row['ref_p95_ms']:.0f} ms | "
            f"{row['excess_ms']:+.0f} ms | {row['relations']:,} | {row['catalog_mb']:.0f} MiB |"
        )
    slope = result["slope"]
    lines += ["", f"{SAMPLES} creations timed at each point, then dropped again."]
    if slope:
        extra = slope["excess_ms"] * TARGET / 1000
        growth = (
            f"extrapolated, {TARGET:,} agencies add {extra:+.0f} ms to a creation"
            if extra > 0
            else "the excess does not grow with the number of agencies (a negative slope is noise)"
        )
        lines[-1] += (
            f" Slope (least squares, per 1,000 agencies): p50 {slope['p50_ms']:+.1f} ms, "
            f"p95 {slope['p95_ms']:+.1f} ms, excess over the empty database "
            f"{slope['excess_ms']:+.1f} ms; {growth}."
        )
    last = result["rows"][-1]["existing"]
    lines += [
        "",
        f"With {last:,} agencies, the catalog query creation used to run twice "
        "(SQLAlchemy's `has_table`, from Alembic's stamp), under the catalog statistics this "
        "database has (autovacuum is off on the bench machine):",
        "",
        "```",
        result["plans"]["has_table"],
        "```",
        "",
        "and the lookup by name that replaced it (creation itself now reads no catalog at all):",
        "",
        "```",
        result["plans"]["to_regclass"],
        "```",
    ]
    return "\n".join(lines)
