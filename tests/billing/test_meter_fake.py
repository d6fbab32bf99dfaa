"""The fake Stripe's Billing Meters, through the real SDK: Stripe's rules for meter events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import stripe

from bbp.billing import stripe_api
from tests.billing.support import calls

NOW = datetime(2026, 11, 18, 15, 20, tzinfo=UTC)
HOUR = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture
def meter(app, redis, clock):
    """A fresh fake (Redis flushed) with one sum meter; yields (client, meter)."""
    clock.set(NOW)
    with app.app_context():
        client = stripe_api.client()
        made = client.v1.billing.meters.create(
            params={
                "display_name": "Texts",
                "event_name": "texts_test",
                "default_aggregation": {"formula": "sum"},
                "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
                "value_settings": {"event_payload_key": "value"},
            }
        )
        yield client, made


def _event(client, customer: str, value: int, at: datetime, identifier: str | None = None):
    return client.v1.billing.meter_events.create(
        params={
            "event_name": "texts_test",
            "identifier": identifier or uuid.uuid4().hex,
            "timestamp": _stamp(at),
            "payload": {"stripe_customer_id": customer, "value": str(value)},
        }
    )


def _summary(client, meter_id: str, customer: str, start: datetime, end: datetime) -> float:
    listed = client.v1.billing.meters.event_summaries.list(
        meter_id,
        params={"customer": customer, "start_time": _stamp(start), "end_time": _stamp(end)},
    )
    [summary] = listed.data
    assert summary.object == "billing.meter_event_summary" and summary.meter == meter_id
    return summary.aggregated_value


def test_a_meter_is_created_retrieved_and_listed_in_stripes_shape(app, meter):
    client, made = meter
    assert made.id.startswith("mtr_") and made.object == "billing.meter"
    assert made.status == "active" and made.default_aggregation.formula == "sum"
    assert made.customer_mapping.event_payload_key == "stripe_customer_id"
    assert client.v1.billing.meters.retrieve(made.id).event_name == "texts_test"
    assert [m.id for m in client.v1.billing.meters.list(params={"status": "active"})] == [made.id]
    assert calls(app, "GET", f"/v1/billing/meters/{made.id}")  # the SDK really asked


def test_a_second_active_meter_for_the_same_event_name_is_refused(meter):
    client, _ = meter
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing.meters.create(
            params={
                "display_name": "Again",
                "event_name": "texts_test",
                "default_aggregation": {"formula": "sum"},
            }
        )
    assert refused.value.param == "event_name"


def test_a_repeated_identifier_is_refused_for_a_day_and_counted_once(meter, clock):
    client, made = meter
    event = _event(client, "cus_a", 7, HOUR, identifier="bbp-1-2-texts-3")
    assert (event.object, event.identifier, event.timestamp) == (
        "billing.meter_event",
        "bbp-1-2-texts-3",
        _stamp(HOUR),
    )
    clock.advance(hours=23, minutes=59)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _event(client, "cus_a", 7, HOUR, identifier="bbp-1-2-texts-3")
    assert refused.value.http_status == 400
    assert "already exists with identifier bbp-1-2-texts-3" in refused.value.user_message
    assert _summary(client, made.id, "cus_a", HOUR, HOUR + timedelta(hours=1)) == 7
    clock.advance(minutes=2)  # past Stripe's day: it no longer remembers the identifier
    _event(client, "cus_a", 7, HOUR, identifier="bbp-1-2-texts-3")
    assert _summary(client, made.id, "cus_a", HOUR, HOUR + timedelta(hours=1)) == 14


def test_timestamps_must_lie_within_35_days_past_and_5_minutes_ahead(meter, clock):
    client, _ = meter
    _event(client, "cus_a", 1, NOW - timedelta(days=35) + timedelta(seconds=1))
    _event(client, "cus_a", 1, NOW + timedelta(minutes=5))
    for moment in (NOW - timedelta(days=35, seconds=1), NOW + timedelta(minutes=5, seconds=1)):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            _event(client, "cus_a", 1, moment)
        assert refused.value.param == "timestamp"


def test_summaries_sum_one_customers_events_in_the_window_and_group_by_hour(meter):
    client, made = meter
    _event(client, "cus_a", 5, HOUR + timedelta(minutes=59, seconds=59))
    _event(client, "cus_a", 3, HOUR - timedelta(minutes=1))
    _event(client, "cus_b", 100, HOUR + timedelta(minutes=10))
    assert _summary(client, made.id, "cus_a", HOUR, HOUR + timedelta(hours=1)) == 5
    assert _summary(client, made.id, "cus_a", HOUR - timedelta(hours=1), NOW) == 8
    hourly = client.v1.billing.meters.event_summaries.list(
        made.id,
        params={
            "customer": "cus_a",
            "start_time": _stamp(HOUR - timedelta(hours=1)),
            "end_time": _stamp(HOUR + timedelta(hours=1)),
            "value_grouping_window": "hour",
        },
    )
    # Newest first, as Stripe lists them.
    assert [(s.start_time, s.aggregated_value) for s in hourly.data] == [
        (_stamp(HOUR), 5),
        (_stamp(HOUR - timedelta(hours=1)), 3),
    ]


def test_summary_windows_must_align_with_minutes(meter):
    client, made = meter
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing.meters.event_summaries.list(
            made.id,
            params={"customer": "cus_a", "start_time": _stamp(HOUR) + 30, "end_time": _stamp(NOW)},
        )
    assert refused.value.param == "start_time"


def test_summaries_lag_behind_accepted_events_by_the_fakes_lag(app, meter, clock, monkeypatch):
    client, made = meter
    monkeypatch.setattr(stripe_api.fake(), "meter_lag", timedelta(minutes=3))
    _event(client, "cus_a", 4, HOUR)
    window = (HOUR, HOUR + timedelta(hours=1))
    assert _summary(client, made.id, "cus_a", *window) == 0  # accepted, not yet aggregated
    clock.advance(minutes=3)
    assert _summary(client, made.id, "cus_a", *window) == 4


def test_a_metered_price_needs_a_meter_and_takes_graduated_tiers(meter):
    client, made = meter
    product = client.v1.products.create(params={"name": "Texts"})
    metered = {"interval": "month", "usage_type": "metered"}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.prices.create(
            params={"product": product.id, "recurring": metered, "unit_amount": 2}
        )
    assert refused.value.param == "recurring[meter]"
    price = client.v1.prices.create(
        params={
            "product": product.id,
            "currency": "usd",
            "recurring": {**metered, "meter": made.id},
            "billing_scheme": "tiered",
            "tiers_mode": "graduated",
            "tiers": [
                {"up_to": 500, "unit_amount": 0},
                {"up_to": "inf", "unit_amount_decimal": "1.5"},
            ],
        }
    )
    assert (price.recurring.usage_type, price.recurring.meter) == ("metered", made.id)
    assert [(t.up_to, t.unit_amount_decimal) for t in price.tiers] == [
        (500, Decimal("0")),
        (None, Decimal("1.5")),
    ]
    with pytest.raises(stripe.InvalidRequestError):  # the last tier must be unbounded
        client.v1.prices.create(
            params={
                "product": product.id,
                "recurring": {**metered, "meter": made.id},
                "billing_scheme": "tiered",
                "tiers_mode": "graduated",
                "tiers": [{"up_to": 500, "unit_amount": 0}],
            }
        )
