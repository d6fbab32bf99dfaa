"""The texts task: what the scheduler does for an agency's outgoing texts, from the database alone.

Redis only carries drain jobs and the senders' schedules. This task, run by the minute tick when
an agency's time in `public.tenant_wakeups` comes, skips texts that waited past their useful
time, re-queues texts whose drain job Redis lost (or never got: a text written in another
transaction whose hand-off failed, a held text whose time came), and flags sends a dead worker
interrupted. It is next needed at the earliest of: the agency's next turn on a busy sender, a
retry's backoff ending, a queued text's deadline, a held text's release, and a few minutes on
while texts are in flight (lost jobs).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.messaging import pacing, services
from bbp.messaging.models import Message

BATCH = 500
LOST_AFTER = timedelta(minutes=2)  # a queued text untouched this long may have lost its job
INTERRUPTED_AFTER = timedelta(minutes=10)  # a send not recorded by then was cut off mid-way


def tend() -> dict[str, int]:
    """The minute's text work for the bound agency."""
    now = utcnow()
    skipped = pacing.skip_too_late(now)
    db.session.commit()
    return {"too_late": skipped} | recover(now)


def recover(now: datetime | None = None) -> dict[str, int]:
    """Re-queue texts whose jobs Redis lost; never resend one that may have gone out."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(Message.id)
        .where(
            Message.status == "queued",
            Message.direction == "out",
            Message.updated_at < now - LOST_AFTER,
            services.released(now),
        )
        .limit(BATCH)
    ).all()
    if waiting:
        services.dispatch()  # the drain takes every ready text; claims stop any double send
    interrupted = db.session.execute(
        update(Message)
        .where(Message.status == "sending", Message.updated_at < now - INTERRUPTED_AFTER)
        .values(
            status="failed",
            last_error="Interrupted while sending: check with the person before sending it again.",
        )
    ).rowcount
    db.session.commit()
    return {"requeued": len(waiting), "interrupted": interrupted}


def _retry_ends():
    """When each queued text's backoff after a provider error ends (attempts 0: now)."""
    pause = func.make_interval(0, 0, 0, 0, 0, 0, services.backoff_seconds(Message.attempts))
    return func.min(Message.updated_at + pause)


def next_due(now: datetime) -> datetime | None:
    """When the agency next needs `tend`: its next turn on a busy sender, a retry's backoff
    ending, a queued text's deadline, a held text's release, or within minutes while texts are
    in flight."""
    queued = (Message.status == "queued") & (Message.direction == "out")
    retry, deadline, release = db.session.execute(
        select(
            _retry_ends().filter(Message.attempts > 0),
            func.min(Message.useful_until),
            func.min(Message.not_before).filter(Message.not_before > now),
        ).where(queued)
    ).one()
    in_flight = db.session.scalar(
        select(Message.id)
        .where(
            Message.direction == "out",
            Message.status.in_(("queued", "sending")),
            services.released(now),
        )
        .limit(1)
    )
    times = [retry, deadline, release, pacing.next_turn()]
    if in_flight is not None:
        times.append(now + services.WATCH_AFTER)  # recover() checks on them
    return min((t for t in times if t is not None), default=None)
