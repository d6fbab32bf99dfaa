"""How long creating an agency takes as the number of existing agencies grows."""

from __future__ import annotations

import statistics
import time

from bbp.extensions import db
from bbp.platform.provisioning import create_tenant

CHECKPOINTS = (0, 100, 300)
SAMPLES = 10


def _create(index: int) -> float:
    started = time.perf_counter()
    create_tenant(f"bench-{index:05d}", f"Bench Agency {index}", f"owner@bench{index}.example")
    return time.perf_counter() - started


def run(app) -> dict:
    """Create agencies up to each checkpoint, timing SAMPLES creations at each."""
    rows = []
    created = 0
    with app.app_context():
        for checkpoint in CHECKPOINTS:
            while created < checkpoint:
                _create(created)
                created += 1
            timings = []
            for _ in range(SAMPLES):
                timings.append(_create(created))
                created += 1
            timings.sort()
            rows.append(
                {
                    "existing": checkpoint,
                    "p50_ms": statistics.median(timings) * 1000,
                    "p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
                    "max_ms": timings[-1] * 1000,
                }
            )
        db.session.remove()
    return {"rows": rows, "total_created": created}


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    lines = [
        "## Creating an agency",
        "",
        "Target: well under a second however many agencies exist. Each creation makes the "
        "public rows, the schema, every tenant table at head, the version stamp and the first "
        "owner in one transaction.",
        "",
        "| agencies already present | p50 | p95 | max |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['existing']} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | "
            f"{row['max_ms']:.0f} ms |"
        )
    lines.append("")
    lines.append(
        f"{SAMPLES} creations timed at each point; {result['total_created']} agencies "
        "created in all."
    )
    return "\n".join(lines)
