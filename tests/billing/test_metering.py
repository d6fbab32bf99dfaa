"""The texts ledger: one meter event per agency and settled hour, reported exactly once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select

from bbp.billing import metering, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.models import TextUsageReport
from bbp.extensions import db
from tests.billing.meter_support import (
    at,
    customer_of,
    events,
    ledger,
    lose_meter_answers,
    metered_agency,
    report,
    send_texts,
    stripe_total,
)
from tests.billing.support import calls


def _stamp(moment) -> int:
    return int(moment.timestamp())


def test_each_settled_hour_is_one_event_and_an_empty_hour_none(app, make_agency, clock):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 15), 2), (at(9, 59, 30), 1), (at(10, 30), 3), (at(12, 5), 4))
    clock.set(at(13, 4))  # 12:00-13:00 closed four minutes ago: not settled yet
    assert report(app, agency) == {"recorded": 2, "reported": 2, "expired": 0, "failed": 0}
    # 11:00 had no text: no row and no event.
    assert ledger(app, agency) == [(at(9), 3, "reported"), (at(10), 3, "reported")]
    sent = events(app, agency)
    assert [(e["timestamp"], e["payload"]["value"]) for e in sent] == [
        (_stamp(at(9, 59, 59)), "3"),  # stamped at the hour's last second
        (_stamp(at(10, 59, 59)), "3"),
    ]
    key = f"bbp-agency-{agency.info.id}-"
    assert all(e["identifier"].startswith(key) for e in sent)
    clock.set(at(13, 5))
    report(app, agency)
    assert ledger(app, agency)[-1] == (at(12), 4, "reported")
    assert stripe_total(app, agency, at(9), at(13)) == 10


def test_a_text_stamped_before_the_boundary_and_committed_after_it_is_counted(
    app, make_agency, clock
):
    agency = metered_agency(app, make_agency, clock)
    clock.set(at(10, 2))
    report(app, agency)  # 09:00-10:00 closed two minutes ago: waits for the settle delay
    assert ledger(app, agency) == []
    send_texts(app, agency, (at(9, 59, 58), 2))  # the worker's commit came late
    clock.set(at(10, 5))
    report(app, agency)
    assert ledger(app, agency) == [(at(9), 2, "reported")]


def test_a_second_run_sends_nothing_again(app, make_agency, clock):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    report(app, agency)
    posted = len(calls(app, "POST", "/v1/billing/meter_events"))
    assert report(app, agency) == {"recorded": 0, "reported": 0, "expired": 0, "failed": 0}
    assert len(calls(app, "POST", "/v1/billing/meter_events")) == posted
    assert len(events(app, agency)) == 1


def test_a_lost_answer_is_sent_again_and_stripes_refusal_of_the_duplicate_settles_it(
    app, make_agency, clock, monkeypatch
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    lose_meter_answers(monkeypatch, app, 1)  # Stripe took it; we never heard
    assert report(app, agency)["failed"] == 1
    assert ledger(app, agency) == [(at(9), 5, "pending")]
    clock.set(at(10, 40))
    assert report(app, agency)["reported"] == 1  # Stripe refused the same identifier
    assert ledger(app, agency) == [(at(9), 5, "reported")]
    assert [e["payload"]["value"] for e in events(app, agency)] == ["5"]


def test_a_lost_answer_retried_after_stripe_forgot_the_identifier_is_not_sent_twice(
    app, make_agency, clock, monkeypatch
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    lose_meter_answers(monkeypatch, app, 1)
    report(app, agency)
    monkeypatch.undo()
    clock.set(at(11, 0, day=19))  # a day and a half of outage: Stripe would take it again
    posted = len(calls(app, "POST", "/v1/billing/meter_events"))
    report(app, agency)
    assert ledger(app, agency)[0] == (at(9), 5, "reported")  # found in Stripe's summary
    assert len(calls(app, "POST", "/v1/billing/meter_events")) == posted
    assert len(events(app, agency)) == 1


def test_an_event_that_never_reached_stripe_is_sent_when_retried_a_day_later(
    app, make_agency, clock, monkeypatch
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    lose_meter_answers(monkeypatch, app, 1, reached=False)
    report(app, agency)
    monkeypatch.undo()
    clock.set(at(11, 0, day=19))
    report(app, agency)
    assert ledger(app, agency)[0] == (at(9), 5, "reported")
    assert [e["payload"]["value"] for e in events(app, agency)] == ["5"]


def test_two_workers_at_once_report_each_hour_once(app, make_agency, clock):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5), (at(10, 20), 1), (at(11, 20), 2))
    clock.set(at(12, 30))
    start, outcomes = threading.Barrier(2), []

    def worker():
        start.wait()
        outcomes.append(report(app, agency))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(o["recorded"] for o in outcomes) == 3  # one worker wrote the rows
    assert [row[2] for row in ledger(app, agency)] == ["reported"] * 3
    assert sorted(int(e["payload"]["value"]) for e in events(app, agency)) == [1, 2, 5]


def test_usage_reported_days_late_keeps_each_hours_own_time(app, make_agency, clock):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5), (at(14, 0, day=20), 2))
    clock.set(at(8, 0, day=23))  # the scheduler was down for five days
    report(app, agency)
    assert ledger(app, agency) == [(at(9), 5, "reported"), (at(14, day=20), 2, "reported")]
    assert stripe_total(app, agency, at(9), at(10)) == 5
    assert stripe_total(app, agency, at(14, day=20), at(15, day=20)) == 2


def _listen(monkeypatch) -> None:
    """Alembic's fileConfig (the test database's migration) disables loggers made before it."""
    monkeypatch.setattr(metering.log, "disabled", False)


def test_an_hour_past_stripes_window_is_never_sent_and_is_logged(
    app, make_agency, clock, caplog, monkeypatch
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5), (at(9, 20, day=25), 1))
    clock.set(at(9, 0) + timedelta(days=35))
    _listen(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="bbp.billing.metering"):
        outcome = report(app, agency)
    assert outcome == {"recorded": 2, "reported": 1, "expired": 0, "failed": 0}
    assert ledger(app, agency) == [(at(9), 5, "expired"), (at(9, day=25), 1, "reported")]
    assert [e["payload"]["value"] for e in events(app, agency)] == ["1"]
    assert "past Stripe's 35-day window" in caplog.text


def test_a_pending_hour_that_ages_out_of_the_window_is_expired_not_sent(
    app, make_agency, clock, monkeypatch
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    lose_meter_answers(monkeypatch, app, 1, reached=False)
    report(app, agency)
    monkeypatch.undo()
    clock.set(at(10, 30) + timedelta(days=35))
    assert report(app, agency)["expired"] == 1
    assert ledger(app, agency) == [(at(9), 5, "expired")]
    assert events(app, agency) == []


def test_an_agencys_run_reports_only_its_own_texts(app, make_agency, clock):
    first = metered_agency(app, make_agency, clock, "meter-a")
    second = metered_agency(app, make_agency, clock, "meter-b")
    # Both agencies' first message has id 1 in their own schema.
    send_texts(app, first, (at(9, 20), 5))
    send_texts(app, second, (at(9, 20), 7))
    clock.set(at(10, 30))
    report(app, first)
    assert ledger(app, first) == [(at(9), 5, "reported")]
    assert ledger(app, second) == [] and events(app, second) == []
    report(app, second)
    assert [e["payload"]["value"] for e in events(app, first)] == ["5"]
    assert [e["payload"]["value"] for e in events(app, second)] == ["7"]
    assert customer_of(app, first) != customer_of(app, second)
    with app.app_context():
        identifiers = db.session.scalars(
            select(TextUsageReport.identifier).where(
                TextUsageReport.tenant_id.in_([first.info.id, second.info.id])
            )
        ).all()
    assert len(set(identifiers)) == 2


def test_a_refusal_other_than_a_duplicate_leaves_the_hour_pending(
    app, make_agency, clock, monkeypatch, caplog
):
    agency = metered_agency(app, make_agency, clock)
    send_texts(app, agency, (at(9, 20), 5))
    clock.set(at(10, 30))
    with app.app_context():
        fake = stripe_api.fake()

    def refuse(params):
        raise StripeFault(400, "Invalid payload[value].", param="payload")

    monkeypatch.setattr(fake, "_create_meter_event", refuse)
    _listen(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="bbp.billing.metering"):
        assert report(app, agency)["failed"] == 1
    assert ledger(app, agency) == [(at(9), 5, "pending")]
    assert "Stripe refused meter event" in caplog.text
