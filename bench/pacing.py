"""The carrier as the bottleneck: agencies of unequal size sharing one slow sender.

AGENCIES agencies share the platform's sender, which the fake carrier runs at RATE segments a
second (a long code carries 1; a few make the run short). Each has a different number of court
reminders waiting at once, every one with its own useful_until, and the biggest agency also has
URGENT reminders that stop being useful within seconds, more than its share can carry. Two
`flask worker` processes drain them as in production, RQ's scheduler bringing back the drains
that stopped for the sender. Measured: each agency's sends per ten seconds (fairness), the most
the sender was handed in any second and the longest a text waited in the fake carrier's queue
(the rate), sends against useful_until order within each agency, and sent + skipped = total.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bbp.extensions import db
from bbp.messaging import services
from bbp.messaging.models import Message
from bbp.messaging.providers import Sender, carrier_key
from bbp.platform.provisioning import create_tenant
from bbp.tenancy import bound
from tests.services import ROOT
from tests.support import process_env

RATE = float(os.environ.get("BENCH_PACING_RATE", "4"))
AHEAD = 2.0
SENDER = "+13055550100"
VOLUMES = (240, 80, 30, 10)
URGENT = 40  # of the biggest agency's texts, useful for URGENT_SECONDS only
URGENT_SECONDS = 20
WORKERS = 2
WINDOW = 10  # seconds per row of the fairness table
LIMIT = 240  # seconds before the run gives up waiting


def _seed(app, start: datetime) -> list:
    """The agencies and their reminders, every one queued (not yet dispatched); the urgent ones
    get their deadline when sending starts (`_urgent`)."""
    shuffle = random.Random(12)
    tenants = []
    for n, volume in enumerate(VOLUMES):
        with app.app_context():
            made = create_tenant(f"pace-{n}", f"Pacing Agency {n}", f"o@pace{n}.example")
        tenants.append(made.tenant)
        urgent = URGENT if n == 0 else 0
        rows = [
            dict(
                phone=f"+1305{n + 1}{i:06d}",
                body=f"Pacing Agency {n}: court reminder {i}",
                purpose="reminder",
                dedupe_key=f"pace:urgent:{i}" if i < urgent else f"pace:{i}",
                useful_until=start + timedelta(seconds=shuffle.randint(600, 3600)),
            )
            for i in range(volume)
        ]
        shuffle.shuffle(rows)  # queued in no particular order of usefulness
        with app.app_context(), bound(made.tenant, db.session):
            services.queue_many(rows)
            db.session.commit()
    return tenants


def _urgent(app, tenant) -> None:
    """The biggest agency's urgent reminders stop being useful URGENT_SECONDS from now."""
    with app.app_context(), bound(tenant, db.session):
        until = datetime.now(UTC) + timedelta(seconds=URGENT_SECONDS)
        db.session.execute(
            update(Message)
            .where(Message.dedupe_key.like("pace:urgent:%"))
            .values(useful_until=until, send_by=until)
        )
        db.session.commit()


def _workers(app) -> list[subprocess.Popen]:
    env = process_env(
        app,
        SMS_SENDER_RATE=str(RATE),
        SMS_QUEUE_AHEAD_SECONDS=str(AHEAD),
        TWILIO_SENDER=SENDER,
    )
    return [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its scheduler process stops with it
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]


def _waiting(app, tenants) -> int:
    waiting = 0
    for tenant in tenants:
        with app.app_context(), bound(tenant, db.session):
            waiting += db.session.scalar(
                select(func.count()).where(Message.status.in_(("queued", "sending")))
            )
    return waiting


def _rows(app, tenant) -> list:
    with app.app_context(), bound(tenant, db.session):
        return db.session.execute(
            select(
                Message.status,
                Message.sent_at,
                Message.useful_until,
                Message.provider_id,
                Message.last_error,
                Message.segments,
            )
        ).all()


def _busiest_second(times: list[float]) -> int:
    """The most sends that fell within any one second."""
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _out_of_order(rows) -> int:
    """Pairs of one agency's texts sent against useful_until order (a later deadline first)."""
    sent = sorted((r.sent_at, r.useful_until) for r in rows if r.status == "sent")
    deadlines = [until for _, until in sent]
    return sum(1 for i, a in enumerate(deadlines) for b in deadlines[i + 1 :] if b < a)


def run(app) -> dict:
    """Seed, start the workers, dispatch every agency, wait until nothing waits, then count."""
    tenants = _seed(app, datetime.now(UTC))
    procs = _workers(app)
    time.sleep(3)  # the workers are up
    _urgent(app, tenants[0])
    began = time.perf_counter()
    try:
        for tenant in tenants:
            with app.app_context(), bound(tenant, db.session):
                services.dispatch()
        while _waiting(app, tenants) and time.perf_counter() - began < LIMIT:
            time.sleep(0.5)
        elapsed = time.perf_counter() - began
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
    rows = {tenant.slug: _rows(app, tenant) for tenant in tenants}
    handed = [r.provider_id for got in rows.values() for r in got if r.provider_id]
    sends = sorted(
        (r.sent_at.timestamp(), slug) for slug, got in rows.items() for r in got if r.sent_at
    )
    first = sends[0][0] if sends else 0.0
    windows = Counter((int((moment - first) // WINDOW), slug) for moment, slug in sends)
    with app.app_context():
        carrier = app.extensions["redis"].hget(carrier_key(Sender(SENDER, RATE)), "longest")
    return {
        "elapsed": elapsed,
        "slugs": [tenant.slug for tenant in tenants],
        "windows": windows,
        "span": (sends[-1][0] - first) if sends else 0.0,
        "busiest": _busiest_second([moment for moment, _ in sends]),
        "carrier_wait": float(carrier or 0),
        "counts": {
            slug: Counter(r.status for r in got) | Counter(total=len(got))
            for slug, got in rows.items()
        },
        "reasons": Counter(
            r.last_error for got in rows.values() for r in got if r.status == "skipped"
        ),
        "out_of_order": {slug: _out_of_order(got) for slug, got in rows.items()},
        "duplicates": len(handed) - len(set(handed)),
    }


def _fairness(result: dict) -> list[str]:
    slugs = result["slugs"]
    header = "| seconds | " + " | ".join(f"agency {n} ({v})" for n, v in enumerate(VOLUMES)) + " |"
    lines = [header, "| --- |" + " ---: |" * len(slugs)]
    last = max((w for w, _ in result["windows"]), default=-1)
    for window in range(last + 1):
        cells = " | ".join(str(result["windows"].get((window, slug), 0)) for slug in slugs)
        lines.append(f"| {window * WINDOW} to {(window + 1) * WINDOW} | {cells} |")
    return lines


def report(result: dict) -> str:
    """Markdown section for docs/performance.md."""
    counts = result["counts"]
    lines = [
        "## Texts when the carrier is the bottleneck",
        "",
        f"{len(VOLUMES)} agencies share one sender that the fake carrier runs at {RATE:g} "
        f"segments a second (SMS_SENDER_RATE; a long code carries 1), booked at most "
        f"{AHEAD:g} s ahead (SMS_QUEUE_AHEAD_SECONDS); {WORKERS} `flask worker` processes. The "
        f"agencies have {', '.join(map(str, VOLUMES))} court reminders waiting at once, each "
        f"useful for 10 to 60 minutes, except {URGENT} of the biggest agency's, useful for "
        f"{URGENT_SECONDS} s only: more than its share of the sender can carry in that time.",
        "",
        "Sends per agency in each ten seconds (a fair share is the rate divided among the "
        "agencies still waiting):",
        "",
        *_fairness(result),
        "",
        "| agency | texts | sent | skipped | failed | sent against useful_until order |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, slug in enumerate(result["slugs"]):
        c = counts[slug]
        lines.append(
            f"| {n} | {c['total']} | {c['sent']} | {c['skipped']} | {c['failed']} | "
            f"{result['out_of_order'][slug]} pairs |"
        )
    total = sum(c["total"] for c in counts.values())
    sent = sum(c["sent"] for c in counts.values())
    skipped = sum(c["skipped"] for c in counts.values())
    reasons = "; ".join(f"“{reason}” ({n})" for reason, n in result["reasons"].items())
    lines += [
        "",
        f"Sent {sent} + skipped {skipped} = {sent + skipped} of {total} texts; duplicates: "
        f"{result['duplicates']}. Skipped, with the reason staff see: {reasons or 'none'}.",
        f"The sender was handed at most {result['busiest']} texts in any one second "
        f"({RATE:g} a second allowed, plus {RATE * AHEAD:g} booked ahead), and no text waited "
        f"longer than {result['carrier_wait']:.2f} s in the fake carrier's queue. "
        f"{sent} texts went out over {result['span']:.0f} s ({sent / max(result['span'], 1):.2f} "
        f"a second against {RATE:g}); the run took {result['elapsed']:.0f} s.",
        "",
    ]
    return "\n".join(lines)
