"""`flask billing reconcile`: our ledger against Stripe's meter summaries, allowing for lag."""

from __future__ import annotations

import json
from datetime import timedelta

from bbp.billing import stripe_api
from bbp.billing.meters import TEXTS_EVENT
from bbp.kernel.keys import platform_key
from tests.billing.meter_support import (
    at,
    customer_of,
    metered_agency,
    report,
    send_texts,
)


def _reconcile(app, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["billing", "reconcile", *args])


def _reported_book(app, make_agency, clock):
    """An agency whose 09:00 and 10:00 hours (5 and 3 segments) were reported at 11:05."""
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5), (at(10, 40), 3))
    clock.set(at(11, 5))
    report(app, agency)
    return agency


def test_agreement_exits_zero(app, make_agency, clock):
    agency = _reported_book(app, make_agency, clock)
    clock.set(at(12, 0))
    result = _reconcile(app, "--period", "2026-11", "--agency", agency.slug)
    assert result.exit_code == 0, result.output
    assert "2026-11-01 00:00 to 2026-12-01 00:00 UTC: our counts and Stripe's agree." in (
        result.output
    )


def test_usage_stripe_has_not_aggregated_yet_is_pending_not_a_difference(
    app, make_agency, clock, monkeypatch
):
    with app.app_context():
        monkeypatch.setattr(stripe_api.fake(), "meter_lag", timedelta(minutes=10))
    agency = _reported_book(app, make_agency, clock)
    clock.set(at(11, 8))  # reported three minutes ago: Stripe's summary does not show it yet
    result = _reconcile(app, "--period", "2026-11", "--agency", agency.slug)
    assert result.exit_code == 0, result.output
    assert f"{agency.slug}: agrees: 0 of 8 segments in Stripe" in result.output
    clock.set(at(11, 30))  # past our allowance and Stripe still lacks it: a difference
    with app.app_context():
        monkeypatch.setattr(stripe_api.fake(), "meter_lag", timedelta(hours=1))
    result = _reconcile(app, "--period", "2026-11", "--agency", agency.slug)
    assert result.exit_code == 1
    assert (
        f"{agency.slug}: DIFFERS: we reported 8 segments (0 within Stripe's lag), Stripe has 0"
        in result.output
    )


def test_an_event_stripe_holds_that_our_ledger_lacks_is_a_difference(app, make_agency, clock):
    agency = _reported_book(app, make_agency, clock)
    with app.app_context():  # someone reported usage for this customer outside the ledger
        stripe_api.client().v1.billing.meter_events.create(
            params={
                "event_name": TEXTS_EVENT,
                "timestamp": int(at(10, 30).timestamp()),
                "payload": {"stripe_customer_id": customer_of(app, agency), "value": "4"},
            }
        )
    clock.set(at(12, 0))
    result = _reconcile(
        app, "--since", "2026-11-18", "--until", "2026-11-19", "--agency", agency.slug
    )
    assert result.exit_code == 1
    assert f"{agency.slug}: DIFFERS: we reported 8 segments" in result.output
    assert "Stripe has 12" in result.output
    assert "1 need attention." in result.output


def test_an_event_stripe_lost_is_a_difference(app, make_agency, clock):
    agency = _reported_book(app, make_agency, clock)
    redis = app.extensions["redis"]
    key = platform_key("stripe-fake", "meter-events", TEXTS_EVENT)
    for raw in redis.lrange(key, 0, -1):
        if json.loads(raw)["payload"]["value"] == "3":
            redis.lrem(key, 1, raw)
    clock.set(at(12, 0))
    result = _reconcile(app, "--period", "2026-11", "--agency", agency.slug)
    assert result.exit_code == 1
    assert "Stripe has 5" in result.output


def test_an_hour_too_old_to_report_is_listed_and_fails_the_check(app, make_agency, clock):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(9, 30) + timedelta(days=35))
    report(app, agency)
    result = _reconcile(app, "--period", "2026-11", "--agency", agency.slug)
    assert result.exit_code == 1
    assert (
        f"{agency.slug}: NEVER REPORTED: 5 segments in the hour from 2026-11-18 09:00 UTC"
        in result.output
    )


def test_another_month_holds_none_of_this_months_usage(app, make_agency, clock):
    agency = _reported_book(app, make_agency, clock)
    result = _reconcile(app, "--period", "2026-10", "--agency", agency.slug)
    assert result.exit_code == 0 and "agree" in result.output


def test_bad_windows_are_refused_with_a_message(app):
    assert "use YYYY-MM" in _reconcile(app, "--period", "November").output
    both = _reconcile(app, "--period", "2026-11", "--since", "2026-11-01", "--until", "2026-11-02")
    assert both.exit_code == 2 and "not both" in both.output
    assert "go together" in _reconcile(app, "--since", "2026-11-01").output
    unknown = _reconcile(app, "--agency", "no-such-agency")
    assert unknown.exit_code == 1 and "No metered agency no-such-agency." in unknown.output
