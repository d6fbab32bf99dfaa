"""Reminders at scale: many agencies, every court date's reminder due in the same minute.

Measures the time from the scheduler's tick until every reminder has gone out through the fake
provider, with two worker processes, and checks there is no duplicate and nothing missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.platform.provisioning import create_tenant
from bbp.reminders import services as reminders
from bbp.settings import services as settings
from bbp.tenancy import bound
from bench.book import insert_bonds
from tests.services import ROOT
from tests.support import process_env

AGENCIES = int(os.environ.get("BENCH_AGENCIES", "100"))
COURT_DATES = int(os.environ.get("BENCH_COURT_DATES", "100000"))
WORKERS = 2


def _seed(app, now: datetime) -> list:
    per_agency = COURT_DATES // AGENCIES
    court_time = now + timedelta(days=1, minutes=-1)  # the "1 day before" reminder is due now
    tenants = []
    for n in range(AGENCIES):
        with app.app_context():
            made = create_tenant(f"rem-{n:03d}", f"Reminder Agency {n}", f"o@rem{n}.example")
        tenants.append(made.tenant)
        with app.app_context(), bound(made.tenant, db.session):
            policy = settings.current()
            hour = now.astimezone(ZoneInfo(made.tenant.timezone)).hour
            policy.reminder_offsets = ["1d"]
            policy.quiet_start_hour, policy.quiet_end_hour = (hour + 2) % 24, (hour + 3) % 24
            insert_bonds(per_agency, lambda i: court_time)
            for table in ("defendants", "bonds", "court_dates"):
                db.session.execute(text(f"ANALYZE {table}"))
            db.session.commit()
    return tenants


def _workers(app) -> float:
    env = process_env(
        app,
    )
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    for proc in procs:
        proc.wait(timeout=3600)
    return time.perf_counter() - started


def run(app) -> dict:
    """Seed, tick every agency until nothing is due, drain with workers, then count."""
    now = datetime.now(UTC)
    tenants = _seed(app, now)
    started = time.perf_counter()
    for tenant in tenants:
        with app.app_context(), bound(tenant, db.session):
            reminders.plan()
            while reminders.send_due()["sent"]:
                pass
    queued = time.perf_counter() - started
    delivered = _workers(app)
    sent = duplicates = missing = 0
    for tenant in tenants:
        with app.app_context(), bound(tenant, db.session):
            rows = db.session.execute(
                select(Message.defendant_id, func.count())
                .where(Message.status == "sent")
                .group_by(Message.defendant_id)
            ).all()
            sent += sum(count for _, count in rows)
            duplicates += sum(count - 1 for _, count in rows if count > 1)
            missing += COURT_DATES // AGENCIES - len(rows)
    return {
        "queued_s": queued,
        "delivered_s": delivered,
        "sent": sent,
        "duplicates": duplicates,
        "missing": missing,
    }


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    total = result["queued_s"] + result["delivered_s"]
    return "\n".join(
        [
            "## Court reminders at scale",
            "",
            f"{AGENCIES} agencies, {COURT_DATES:,} court dates in all, every reminder due in the "
            f"same minute; fake provider, {WORKERS} worker processes.",
            "",
            "| step | time |",
            "| --- | ---: |",
            f"| plan and queue every reminder (each agency's tick) | {result['queued_s']:.0f} s |",
            f"| send them all (drain jobs, {WORKERS} workers) | {result['delivered_s']:.0f} s |",
            f"| **total, tick to last text** | **{total:.0f} s** |",
            "",
            f"Texts sent: {result['sent']:,}; duplicates: {result['duplicates']}; missing: "
            f"{result['missing']}.",
            "",
        ]
    )
