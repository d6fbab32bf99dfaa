"""Bond desk speed with 10,000 bonds in one agency: dashboard, bond list, bond page, search."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, text

from bbp.auth.models import User
from bbp.bonds.models import Bond, BondStatusChange, Charge
from bbp.bonds.queries import page_of
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.dev.book import FIRST, LAST
from bbp.extensions import db
from bbp.payments.models import Payment
from bbp.platform.provisioning import create_tenant
from bbp.tenancy import bound
from bbp.tenancy.context import quote_schema
from tests.support import PASSWORD, Visitor

BONDS = 10_000
SAMPLES = 40
STATUSES = ["active"] * 6 + ["exonerated"] * 2 + ["forfeited", "written", "quote", "cancelled"]


def _rows(n: int, rng: random.Random, now: datetime) -> dict[str, dict]:
    status = rng.choice(STATUSES)
    bail = Decimal(rng.choice((500, 1000, 2500, 5000, 10000, 25000)))
    return {
        "defendant": {
            "id": n,
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "phone": f"{rng.randint(2000000000, 9999999999)}",
            "booking_number": f"BK{n:07d}",
        },
        "bond": {
            "id": n,
            "number": f"B-{n:06d}",
            "defendant_id": n,
            "status": status,
            "case_number": f"2026-CF-{n:06d}",
            "court_name": "Circuit Court",
            "bail_amount": bail,
            "premium": bail / 10,
            "fees": Decimal("0"),
            "written_at": now - timedelta(days=rng.randint(0, 400)),
        },
        "charge": {
            "bond_id": n,
            "description": "Grand theft",
            "degree": "felony",
            "bail_amount": bail,
        },
        "court": {
            "bond_id": n,
            "starts_at": now + timedelta(hours=rng.randint(-2000, 2000)),
            "court_name": "Circuit Court",
            "kind": "hearing",
        },
        "payment": {
            "bond_id": n,
            "receipt_number": f"R-{n:06d}",
            "kind": "premium",
            "method": "cash",
            "amount": bail / 20,
            "payer_name": "Payer",
            "received_at": now - timedelta(days=rng.randint(0, 60)),
        },
        "history": {"bond_id": n, "to_status": status, "changed_by_label": "bench"},
    }


def seed(app, tenant) -> None:
    """Give the agency BONDS bonds with their people, charges, court dates and payments."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = [_rows(n, rng, now) for n in range(1, BONDS + 1)]
    with app.app_context(), bound(tenant, db.session):
        for model, key in (
            (Defendant, "defendant"),
            (Bond, "bond"),
            (Charge, "charge"),
            (CourtDate, "court"),
            (Payment, "payment"),
            (BondStatusChange, "history"),
        ):
            db.session.execute(insert(model), [r[key] for r in rows])
        for table in ("defendants", "bonds"):
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {BONDS})")
            )
        owner = db.session.query(User).first()
        owner.set_password(PASSWORD)
        db.session.commit()
        _vacuum(tenant.schema)


def _vacuum(schema: str) -> None:
    """VACUUM ANALYZE the loaded tables, as autovacuum would after a bulk load (it is off on the
    bench machine): until then each GIN trigram index keeps the new rows in a pending list that
    every search reads in full, which made a search at 10,000 bonds scan instead of look up."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("defendants", "bonds", "charges", "court_dates", "payments"):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {quote_schema(schema)}.{table}")


def _time(visitor: Visitor, path: str, htmx: bool = False) -> dict:
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = visitor.get(path, htmx=htmx)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    return {
        "p50": statistics.median(timings) * 1000,
        "p95": timings[int(len(timings) * 0.95) - 1] * 1000,
    }


SEARCHED = "johnson 555"


def _plan(app, tenant) -> str:
    """EXPLAIN ANALYZE of the live search's first page, counted in the same statement."""
    with app.app_context(), bound(tenant, db.session):
        stmt, values = page_of(SEARCHED, "", "newest", 1, 25)
        sql = stmt.params(values).compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}"))
        return "\n".join(row[0] for row in plan).replace("%%", "%")


def run(app) -> dict:
    """Seed the agency, then time each page SAMPLES times through the real app."""
    with app.app_context():
        made = create_tenant(
            "bench-desk", "Bench Desk Bail", "owner@bench-desk.example", state="FL"
        )
    started = time.perf_counter()
    seed(app, made.tenant)
    seeded = time.perf_counter() - started
    visitor = Visitor(app.test_client(), "bench-desk.localhost")
    visitor.login("owner@bench-desk.example", PASSWORD)
    pages = {
        "dashboard": _time(visitor, "/dashboard/"),
        "bond list (page 1 of 400)": _time(visitor, "/bonds/"),
        "bond page": _time(visitor, "/bonds/5000"),
        "live search 'johnson 555' (htmx)": _time(visitor, "/bonds/?q=johnson+555", htmx=True),
        "live search by bond number (htmx)": _time(visitor, "/bonds/?q=B-004321", htmx=True),
    }
    return {"pages": pages, "seeded_s": seeded, "plan": _plan(app, made.tenant)}


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    lines = [
        "## The bond desk with 10,000 bonds",
        "",
        f"One agency with {BONDS:,} bonds (each with a defendant, a charge, a court date, a "
        f"payment and a status change; seeded in {result['seeded_s']:.1f} s). Server time of "
        f"{SAMPLES} requests per page through the Flask test client, signed in as the owner "
        "(no network; PostgreSQL on the same machine).",
        "",
        "| page | p50 | p95 |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {t['p50']:.0f} ms | {t['p95']:.0f} ms |" for name, t in result["pages"].items()
    ]
    lines += [
        "",
        "Query plan of the live search (`EXPLAIN ANALYZE`): its first page of 25 with its count:",
        "",
        "```",
        result["plan"],
        "```",
        "",
    ]
    return "\n".join(lines)
