"""How long creating an agency takes as the number of existing agencies grows.

Checkpoints 0, 500 and 2,000 by default; BENCH_LARGE=1 adds 10,000 (an hour or so of setup,
never in CI). The slope of p50 and p95 over the checkpoints is extrapolated to 10,000.
"""

from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import text

from bbp.extensions import db
from bbp.platform.provisioning import create_tenant

LARGE = os.environ.get("BENCH_LARGE") == "1"
CHECKPOINTS = (0, 500, 2000, 10000) if LARGE else (0, 500, 2000)
SAMPLES = 20
TARGET = 10000


def _create(index: int) -> float:
    started = time.perf_counter()
    create_tenant(f"bench-{index:05d}", f"Bench Agency {index}", f"owner@bench{index}.example")
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


def run(app) -> dict:
    """Create agencies up to each checkpoint, timing SAMPLES creations at each."""
    rows = []
    created = 0
    with app.app_context():
        for checkpoint in CHECKPOINTS:
            started = time.perf_counter()
            while created < checkpoint:
                _create(created)
                created += 1
            print(f"  {created} agencies ({time.perf_counter() - started:.0f} s to get there)")
            timings = sorted(_create(created + i) for i in range(SAMPLES))
            created += SAMPLES
            rows.append(
                {
                    "existing": checkpoint,
                    "p50_ms": statistics.median(timings) * 1000,
                    "p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
                    "max_ms": timings[-1] * 1000,
                }
                | _catalog()
            )
        explained = plans(f"t_bench_{created - 1:05d}")
        db.session.remove()
    slope = {key: _slope(rows, key) * 1000 for key in ("p50_ms", "p95_ms")}
    at_target = {
        key: rows[-1][key] + slope[key] / 1000 * (TARGET - rows[-1]["existing"]) for key in slope
    }
    return {
        "rows": rows,
        "total_created": created,
        "slope": slope,
        "at_target": at_target,
        "plans": explained,
    }


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    lines = [
        "## Creating an agency",
        "",
        "Target: under 300 ms p95 with 10,000 agencies present. Each creation makes the public "
        "rows, the schema, every tenant table at head, the version stamp and the first owner in "
        "one transaction; the tenant DDL is one script rendered once per process. Command: "
        "`python -m bench.run provisioning migrations` (`BENCH_LARGE=1` adds the 10,000 point; "
        "`BENCH_DATABASE` names the scratch database).",
        "",
        "| agencies already present | p50 | p95 | max | relations in pg_class | catalog size |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['existing']:,} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | "
            f"{row['max_ms']:.0f} ms | {row['relations']:,} | {row['catalog_mb']:.0f} MiB |"
        )
    slope, at = result["slope"], result["at_target"]
    lines += [
        "",
        f"{SAMPLES} creations timed at each point; {result['total_created']:,} agencies created "
        f"in all. Slope (least squares): p50 {slope['p50_ms']:+.1f} ms and p95 "
        f"{slope['p95_ms']:+.1f} ms per 1,000 agencies; extrapolated to {TARGET:,} agencies: "
        f"p50 {at['p50_ms']:.0f} ms, p95 {at['p95_ms']:.0f} ms.",
        "",
        f"With {result['total_created']:,} agencies, the catalog query creation used to run twice "
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
