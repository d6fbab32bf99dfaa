"""The metered-texts clock: hourly intervals, the settle delay, and Stripe's 35-day window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

INTERVAL = timedelta(hours=1)  # one aggregated meter event per agency per interval
# Reported only this long after an interval closes: a text handed to the provider just before
# the boundary is stamped sent_at by a worker whose commit may land a little later.
SETTLE = timedelta(minutes=5)
# Stripe takes a meter event whose timestamp lies within the past 35 days; an interval is sent
# only with a margin to spare (clocks differ, a request takes time), otherwise it is expired.
STRIPE_WINDOW = timedelta(days=35)
WINDOW_MARGIN = timedelta(hours=1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def interval_start(moment: datetime) -> datetime:
    """The start of the interval `moment` falls in (intervals are aligned to whole UTC hours)."""
    return EPOCH + (moment - EPOCH) // INTERVAL * INTERVAL


def event_time(start: datetime) -> datetime:
    """The meter event's timestamp for an interval: its last second, so the usage lands in the
    billing period the interval ends in (an invoice still open when it is reported)."""
    return start + INTERVAL - timedelta(seconds=1)


def settled_until(now: datetime) -> datetime:
    """The end of the last interval that closed at least SETTLE ago."""
    return interval_start(now - SETTLE)


def next_report(now: datetime) -> datetime:
    """When the next interval will have closed and settled."""
    return settled_until(now) + INTERVAL + SETTLE


def sendable(start: datetime, now: datetime) -> bool:
    """Whether Stripe still takes an event for the interval (with the margin to spare)."""
    return event_time(start) > now - STRIPE_WINDOW + WINDOW_MARGIN


def seconds(moment: datetime) -> int:
    """A moment as Stripe writes it: whole seconds since the Unix epoch."""
    return int(moment.timestamp())
