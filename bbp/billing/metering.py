"""Metered texts: the bound agency's sent segments, one aggregated meter event per closed hour,
reported to Stripe exactly once through a local ledger (public.text_usage_reports).

The periodic `meter` task runs `report_texts` in one agency's context:

1. under a lock on the agency's billing row, it counts the segments of every interval that
   closed at least SETTLE ago since its cursor, writes a `pending` row per non-empty interval
   (an empty one needs no event) and moves the cursor, all in one commit;
2. it sends each pending row as a meter event whose identifier is built from the agency and
   the interval, noting the first attempt before the call, and marks the row `reported` when
   Stripe takes it or refuses it as a duplicate (a retry after a lost answer).

Stripe refuses a repeated identifier only for about a day, so a row still pending a day after
its first attempt is first looked up in Stripe's summaries and only sent if Stripe lacks it. An
interval older than Stripe's 35-day window is never sent: it is marked `expired` and logged,
and reconciliation lists it (docs/billing.md, "Metered texts").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert

from bbp.billing import stripe_api
from bbp.billing.accounts import agency_of
from bbp.billing.intervals import (
    EPOCH,
    INTERVAL,
    event_time,
    next_report,
    seconds,
    sendable,
    settled_until,
)
from bbp.billing.meters import CUSTOMER_KEY, TEXTS_EVENT, VALUE_KEY, texts_meter_id
from bbp.billing.models import BillingAccount, TextUsageReport
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.messaging.models import Message
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)
RETRY = timedelta(minutes=10)  # a send that failed is tried again this soon
VERIFY_AFTER = timedelta(hours=23)  # past this, Stripe may no longer refuse a repeat
SWEEP = timedelta(days=1)
SPREAD_MINUTES = 30  # agencies without metered billing: the scheduler's backstop only
# Stripe's words when it refuses an identifier it already holds (a 400 with no code of its own).
DUPLICATE = "already exists with identifier"


def metered(account: BillingAccount | None) -> bool:
    """Whether the agency's subscription has the metered texts Price."""
    return bool(
        account is not None
        and account.stripe_subscription_id
        and account.stripe_overage_price_id
        and account.texts_metered_through is not None
    )


def report_texts() -> dict[str, int]:
    """Periodic task: record the bound agency's settled intervals, then send what is pending."""
    tenant_id, now = require_tenant().id, utcnow()
    recorded = record_intervals(tenant_id, now)
    outcome = send_pending(tenant_id, now)
    return {"recorded": recorded, **outcome}


def next_due(now: datetime) -> datetime | None:
    """The next interval's close plus the settle delay and the agency's spread (sooner while
    a send is to retry)."""
    tenant_id = require_tenant().id
    if not metered(db.session.get(BillingAccount, tenant_id)):
        return None
    waiting = db.session.scalar(
        select(
            exists().where(
                TextUsageReport.tenant_id == tenant_id, TextUsageReport.state == "pending"
            )
        )
    )
    due = next_report(now) + spread(tenant_id)
    return min(due, now + RETRY) if waiting else due


def spread(tenant_id: int) -> timedelta:
    """How long after the settle delay the agency's hour is reported: a minute set by its id,
    so a thousand agencies' Stripe calls do not all queue at hh:05 ahead of court reminders."""
    return timedelta(minutes=(tenant_id * 7919) % SPREAD_MINUTES)


def identifier(tenant_id: int, start: datetime) -> str:
    """The meter event's identifier: the agency (its id and creation time, so a reused id never
    collides) and the interval's start, so no two agencies or intervals ever share one."""
    return agency_of(tenant_id).idempotency_key(f"texts-{seconds(start)}")


def _segments_by_interval(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Sent segments of the bound agency per interval in [start, end), non-empty ones only."""
    bucket = func.date_bin(INTERVAL, Message.sent_at, EPOCH)
    rows = db.session.execute(
        select(bucket, func.sum(Message.segments))
        .where(Message.direction == "out", Message.sent_at >= start, Message.sent_at < end)
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    return [(moment, int(segments)) for moment, segments in rows if segments]


def record_intervals(tenant_id: int, now: datetime) -> int:
    """Write a ledger row for each newly settled non-empty interval; returns how many."""
    account = db.session.scalar(
        select(BillingAccount)
        .where(BillingAccount.tenant_id == tenant_id)
        .with_for_update(of=BillingAccount)
        .execution_options(populate_existing=True)
    )
    end = settled_until(now)
    if not metered(account) or account.texts_metered_through >= end:
        db.session.rollback()
        return 0
    counts = _segments_by_interval(account.texts_metered_through, end)
    rows = [
        {
            "tenant_id": tenant_id,
            "interval_start": start,
            "segments": segments,
            "identifier": identifier(tenant_id, start),
            "stripe_customer_id": account.stripe_customer_id,
            "state": "pending" if sendable(start, now) else "expired",
        }
        for start, segments in counts
    ]
    if rows:
        db.session.execute(insert(TextUsageReport).values(rows).on_conflict_do_nothing())
    account.texts_metered_through = end
    db.session.commit()
    for row in rows:
        if row["state"] == "expired":
            _too_old(tenant_id, row["interval_start"], row["segments"])
    return len(rows)


def _too_old(tenant_id: int, start: datetime, segments: int) -> None:
    log.warning(
        "agency %s: %s segments sent in the hour from %s are past Stripe's 35-day window and "
        "will not be billed",
        tenant_id,
        segments,
        start.isoformat(),
    )


def send_pending(tenant_id: int, now: datetime) -> dict[str, int]:
    """Send the agency's pending rows, oldest first; returns how many ended each way."""
    pending = db.session.execute(
        select(
            TextUsageReport.id,
            TextUsageReport.interval_start,
            TextUsageReport.segments,
            TextUsageReport.identifier,
            TextUsageReport.stripe_customer_id,
            TextUsageReport.first_sent_at,
        )
        .where(TextUsageReport.tenant_id == tenant_id, TextUsageReport.state == "pending")
        .order_by(TextUsageReport.interval_start)
    ).all()
    db.session.rollback()
    outcome = {"reported": 0, "expired": 0, "failed": 0}
    for row in pending:
        outcome[_send(tenant_id, row, now)] += 1
    return outcome


def _send(tenant_id: int, row, now: datetime) -> str:
    """Send one pending row; returns "reported", "expired" or "failed" (left pending)."""
    if not sendable(row.interval_start, now):
        _mark(row.id, "expired", now)
        _too_old(tenant_id, row.interval_start, row.segments)
        return "expired"
    stale = row.first_sent_at is not None and now - row.first_sent_at >= VERIFY_AFTER
    if stale and _stripe_holds(row):
        _mark(row.id, "reported", now)
        return "reported"
    db.session.execute(
        update(TextUsageReport)
        .where(TextUsageReport.id == row.id, TextUsageReport.first_sent_at.is_(None))
        .values(first_sent_at=now)
    )
    db.session.commit()  # the attempt is on record before Stripe can have the event
    try:
        stripe_api.client().v1.billing.meter_events.create(
            params={
                "event_name": TEXTS_EVENT,
                "identifier": row.identifier,
                "timestamp": seconds(event_time(row.interval_start)),
                "payload": {CUSTOMER_KEY: row.stripe_customer_id, VALUE_KEY: str(row.segments)},
            }
        )
    except stripe.InvalidRequestError as exc:
        if DUPLICATE not in str(exc.user_message or exc):
            log.error(
                "agency %s: Stripe refused meter event %s: %s", tenant_id, row.identifier, exc
            )
            return "failed"
    except stripe.StripeError as exc:
        log.warning("agency %s: meter event %s not sent: %s", tenant_id, row.identifier, exc)
        return "failed"
    _mark(row.id, "reported", now)
    return "reported"


def _stripe_holds(row) -> bool:
    """Whether Stripe's summary for the event's minute has the row's segments: our only
    event for that customer and minute (one per interval)."""
    moment = event_time(row.interval_start).replace(second=0)
    summaries = stripe_api.client().v1.billing.meters.event_summaries.list(
        texts_meter_id(),
        params={
            "customer": row.stripe_customer_id,
            "start_time": seconds(moment),
            "end_time": seconds(moment + timedelta(minutes=1)),
        },
    )
    db.session.commit()  # the meter's row, if this call made it
    return sum(summary.aggregated_value for summary in summaries.data) >= row.segments


def _mark(report_id: int, state: str, now: datetime) -> None:
    db.session.execute(
        update(TextUsageReport)
        .where(TextUsageReport.id == report_id, TextUsageReport.state == "pending")
        .values(state=state, reported_at=now if state == "reported" else None)
    )
    db.session.commit()
