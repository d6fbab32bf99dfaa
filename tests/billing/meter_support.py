"""Metered agencies, their sent texts, and what the fake Stripe's meter holds, for meter tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import stripe
from sqlalchemy import select

from bbp.billing import accounts, metering, stripe_api
from bbp.billing.meters import TEXTS_EVENT, texts_meter_id
from bbp.billing.models import BillingAccount, TextUsageReport
from bbp.extensions import db
from bbp.kernel.keys import platform_key
from bbp.messaging.models import Message
from bbp.tenancy import bound
from tests.billing.support import make_plan

# The agency subscribes at 09:10 UTC: its texts are metered from 09:00.
START = datetime(2026, 11, 18, 9, 10, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 18) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def metered_agency(app, make_agency, clock, prefix: str = "meter"):
    """A new agency on a plan, subscribed at START (so its texts are metered)."""
    clock.set(START)
    agency = make_agency(prefix)
    plan_id = make_plan(app)
    with app.app_context():
        accounts.choose_plan(agency.info.id, plan_id, "test")
        accounts.subscribe(agency.info.id)
    return agency


def send_texts(app, agency, *sent: tuple[datetime, int]) -> None:
    """Texts the agency handed to the provider: (sent_at, segments) each."""
    with app.app_context(), bound(agency.info, db.session):
        for moment, segments in sent:
            db.session.add(
                Message(
                    phone="+13055550142",
                    body="Court is Friday at 9",
                    status="sent",
                    segments=segments,
                    sent_at=moment,
                )
            )
        db.session.commit()


def report(app, agency) -> dict:
    """Run the periodic task in the agency's context, as the scheduler's batch does."""
    with app.app_context(), bound(agency.info, db.session):
        try:
            return metering.report_texts()
        finally:
            db.session.remove()


def ledger(app, agency) -> list[tuple[datetime, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(TextUsageReport.interval_start, TextUsageReport.segments, TextUsageReport.state)
            .where(TextUsageReport.tenant_id == agency.info.id)
            .order_by(TextUsageReport.interval_start)
        ).all()
        db.session.rollback()
        return [tuple(row) for row in rows]


def customer_of(app, agency) -> str:
    with app.app_context():
        return db.session.get(BillingAccount, agency.info.id).stripe_customer_id


def events(app, agency) -> list[dict]:
    """Every meter event the fake Stripe accepted for the agency's customer."""
    customer = customer_of(app, agency)
    redis = app.extensions["redis"]
    raw = redis.lrange(platform_key("stripe-fake", "meter-events", TEXTS_EVENT), 0, -1)
    found = [json.loads(item) for item in raw]
    return [e for e in found if e["payload"]["stripe_customer_id"] == customer]


def stripe_total(app, agency, start: datetime, end: datetime) -> float:
    """Stripe's summary of the agency's texts in [start, end)."""
    with app.app_context():
        listed = stripe_api.client().v1.billing.meters.event_summaries.list(
            texts_meter_id(),
            params={
                "customer": customer_of(app, agency),
                "start_time": int(start.timestamp()),
                "end_time": int(end.timestamp()),
            },
        )
        db.session.commit()
        return sum(summary.aggregated_value for summary in listed.data)


def lose_meter_answers(monkeypatch, app, times: int, reached: bool = True) -> None:
    """The next `times` meter events get no answer; `reached`: Stripe did take them."""
    with app.app_context():
        fake = stripe_api.fake()
    real, left = fake.request, [times]

    def request(method, url, headers, post_data=None, *, _usage=None):
        if url.endswith("/v1/billing/meter_events") and left[0]:
            left[0] -= 1
            if reached:
                real(method, url, headers, post_data, _usage=_usage)
            raise stripe.APIConnectionError("Connection reset by peer")
        return real(method, url, headers, post_data, _usage=_usage)

    monkeypatch.setattr(fake, "request", request)
