"""Reconciliation: our ledger of reported texts against Stripe's meter event summaries.

Per agency and window, Stripe's total should equal what we reported. Stripe aggregates events
asynchronously, so events reported in the last LAG may or may not be in its summary yet: the
totals agree when Stripe holds at least what we reported before that and at most everything we
may have sent (docs/billing.md, "Metered texts").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bbp.billing import stripe_api
from bbp.billing.intervals import INTERVAL, event_time, seconds
from bbp.billing.meters import texts_meter_id
from bbp.billing.models import BillingAccount, TextUsageReport
from bbp.extensions import db
from bbp.tenancy.models import Tenant

LAG = timedelta(minutes=15)  # how far Stripe's summaries may trail an accepted event


@dataclass
class Standing:
    """One agency's texts in the window: ours by state, and Stripe's."""

    slug: str
    customer: str
    settled: int = 0  # reported before the lag: Stripe must have these
    recent: int = 0  # reported within the lag, or sent without an answer: Stripe may have these
    stripe: int = 0
    waiting: list[tuple[datetime, int]] = field(default_factory=list)  # not yet reported
    expired: list[tuple[datetime, int]] = field(default_factory=list)  # never sent: too old

    @property
    def agrees(self) -> bool:
        return self.settled <= self.stripe <= self.settled + self.recent

    @property
    def clean(self) -> bool:
        return self.agrees and not self.expired


def _window_rows(tenant_id: int, start: datetime, end: datetime) -> list[TextUsageReport]:
    """The agency's ledger rows whose event falls in [start, end)."""
    first, last = start - INTERVAL + timedelta(seconds=1), end - INTERVAL + timedelta(seconds=1)
    return list(
        db.session.scalars(
            select(TextUsageReport)
            .where(
                TextUsageReport.tenant_id == tenant_id,
                TextUsageReport.interval_start >= first,
                TextUsageReport.interval_start < last,
            )
            .order_by(TextUsageReport.interval_start)
        )
    )


def _ours(standing: Standing, rows: list[TextUsageReport], now: datetime) -> None:
    for row in rows:
        if row.state == "reported" and row.reported_at <= now - LAG:
            standing.settled += row.segments
        elif row.state == "reported" or row.first_sent_at is not None:
            standing.recent += row.segments
        if row.state == "pending":
            standing.waiting.append((row.interval_start, row.segments))
        if row.state == "expired":
            standing.expired.append((row.interval_start, row.segments))


def _stripe_total(customer: str, start: datetime, end: datetime, now: datetime) -> int:
    """Stripe's summed value for the customer in [start, end), up to the current minute."""
    end = min(end, now.replace(second=0, microsecond=0))
    if end <= start:
        return 0
    summaries = stripe_api.client().v1.billing.meters.event_summaries.list(
        texts_meter_id(),
        params={"customer": customer, "start_time": seconds(start), "end_time": seconds(end)},
    )
    return int(sum(summary.aggregated_value for summary in summaries.data))


def compare(start: datetime, end: datetime, now: datetime, slug: str | None = None) -> list:
    """Each metered agency's standing for [start, end) (minute-aligned), by slug."""
    query = (
        select(BillingAccount, Tenant.slug)
        .join(Tenant, Tenant.id == BillingAccount.tenant_id)
        .where(BillingAccount.stripe_overage_price_id.is_not(None))
        .order_by(Tenant.slug)
    )
    if slug is not None:
        query = query.where(Tenant.slug == slug)
    standings = []
    for account, agency_slug in db.session.execute(query).all():
        standing = Standing(agency_slug, account.stripe_customer_id)
        _ours(standing, _window_rows(account.tenant_id, start, end), now)
        standing.stripe = _stripe_total(account.stripe_customer_id, start, end, now)
        standings.append(standing)
    db.session.commit()  # the meter's row, if this run made it
    return standings


def describe(standing: Standing) -> list[str]:
    """What a person needs to read about one agency's standing."""
    lines = []
    ours = standing.settled + standing.recent
    if not standing.agrees:
        lines.append(
            f"{standing.slug}: DIFFERS: we reported {ours} segments "
            f"({standing.recent} within Stripe's lag), Stripe has {standing.stripe}"
        )
    elif standing.recent:
        lines.append(
            f"{standing.slug}: agrees: {standing.stripe} of {ours} segments in Stripe "
            f"(the rest reported in the last {int(LAG.total_seconds() // 60)} minutes)"
        )
    for start, segments in standing.expired:
        lines.append(
            f"{standing.slug}: NEVER REPORTED: {segments} segments in the hour from "
            f"{start:%Y-%m-%d %H:%M} UTC, older than Stripe's 35-day window"
        )
    for start, segments in standing.waiting:
        lines.append(
            f"{standing.slug}: waiting: {segments} segments in the hour from "
            f"{start:%Y-%m-%d %H:%M} UTC not reported yet (event at "
            f"{event_time(start):%H:%M:%S})"
        )
    return lines
