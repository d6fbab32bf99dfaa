"""One clock: no module reads the wall clock or the agency's zone itself, and one freeze reaches
every reader (services, pages, jobs) in every agency's zone."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker

import bbp
from bbp.extensions import db
from bbp.kernel import clock as app_clock
from bbp.kernel.clock import agency_date, agency_now, agency_today, agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.powers import services as powers
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from tests import job_functions

ROOT = Path(bbp.__file__).parent
CLOCK = ROOT / "kernel" / "clock.py"
WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
# 08:00 UTC on Tue Mar 10, 2026 is 10 PM Mon Mar 9 in Honolulu and 4 AM Mar 10 in New York.
MOMENT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _owner_name(node: ast.expr) -> str | None:
    """`datetime` for datetime.now and datetime.datetime.now alike."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _clock_reads(tree: ast.AST) -> list[str]:
    """Wall-clock reads, and zones built from a tenant's time zone name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"from time import {a.name}" for a in node.names if a.name.startswith("time")]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and (_owner_name(func.value), func.attr) in WALL_CLOCK:
            found.append(f"{_owner_name(func.value)}.{func.attr}() on line {node.lineno}")
        if _owner_name(func) == "ZoneInfo" and any(
            isinstance(part, ast.Attribute) and part.attr == "timezone"
            for arg in node.args
            for part in ast.walk(arg)
        ):
            found.append(f"ZoneInfo(<a tenant's timezone>) on line {node.lineno}")
    return found


def test_no_module_but_the_clock_reads_the_wall_clock_or_the_agency_zone():
    readers = {
        str(path.relative_to(ROOT.parent)): reads
        for path in sorted(ROOT.rglob("*.py"))
        if path != CLOCK and (reads := _clock_reads(ast.parse(path.read_text(), str(path))))
    }
    assert readers == {}, "read the time and the agency's zone through bbp.kernel.clock"


def test_the_source_check_sees_every_spelling():
    source = """
import datetime as dt, time
from datetime import date, datetime
from time import time as now
a = datetime.now(UTC); b = dt.datetime.utcnow(); c = date.today(); d = time.time()
e = ZoneInfo(require_tenant().timezone); f = ZoneInfo(tenant.timezone if tenant else "UTC")
g = ZoneInfo(zone); h = time.monotonic()
"""
    assert len(_clock_reads(ast.parse(source))) == 7
    assert _clock_reads(ast.parse((ROOT / "kernel" / "clock.py").read_text()))  # it is seen


def test_one_freeze_reaches_services_pages_jobs_and_every_zone(
    app, redis, make_agency, visit, clock
):
    honolulu = make_agency("hnl", timezone="Pacific/Honolulu")
    new_york = make_agency("nyc")  # America/New_York, the default
    clock.set(MOMENT)
    assert clock.now == utcnow() == MOMENT
    with app.app_context():
        assert (agency_zone(), agency_today()) == (ZoneInfo("UTC"), date(2026, 3, 10))
        with bound(honolulu.info, db.session):
            assert agency_zone() == ZoneInfo("Pacific/Honolulu")
            assert agency_now() == MOMENT and agency_now().hour == 22
            assert agency_today() == agency_date(MOMENT) == date(2026, 3, 9)
            surety = powers.create_surety("Lexington National", Decimal("0.10"))
            powers.receive_batch(surety, "HN", 1, 2, Decimal("25000"), date(2026, 3, 9))
        with bound(new_york.info, db.session):
            assert agency_today() == date(2026, 3, 10)
            surety = powers.create_surety("Lexington National", Decimal("0.10"))
            with pytest.raises(DomainError, match="already expired"):
                powers.receive_batch(surety, "NY", 1, 2, Decimal("25000"), date(2026, 3, 9))
            db.session.rollback()

        job = enqueue(job_functions.what_time, tenant=honolulu.info)
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    assert job.return_value() == {"now": MOMENT.isoformat(), "today": "2026-03-09"}

    owner = visit(honolulu)
    assert owner.login(honolulu.owner_email).status_code == 302
    page = owner.get("/court/calendar").get_data(as_text=True)
    assert "Mon Mar 9 to Mon Mar 16, 2026" in page

    clock.advance(hours=2)  # midnight in Honolulu
    page = owner.get("/court/calendar").get_data(as_text=True)
    assert "Tue Mar 10 to Tue Mar 17, 2026" in page
    with app.app_context(), bound(honolulu.info, db.session):
        assert agency_today() == date(2026, 3, 10)


def test_frozen_holds_the_clock_for_a_block_then_lets_it_run():
    with app_clock.frozen(MOMENT) as held:
        assert utcnow() == MOMENT
        with app_clock.frozen(MOMENT + timedelta(days=1)):
            assert utcnow() == MOMENT + timedelta(days=1)
        assert held.now == MOMENT
        held.advance(timedelta(minutes=1), seconds=30)
        assert utcnow() == MOMENT + timedelta(minutes=1, seconds=30)
        held.set(datetime(2026, 3, 10, 4, 0, tzinfo=ZoneInfo("America/New_York")))
        assert utcnow() == MOMENT and utcnow().tzinfo is UTC
        with pytest.raises(ValueError, match="timezone-aware"):
            held.set(datetime(2026, 3, 10, 8, 0))
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
