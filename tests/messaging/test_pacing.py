"""Texts paced to the sender's rate: shared fairly, soonest-useless first, none silently lost."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bbp.extensions import db
from bbp.kernel import metrics
from bbp.messaging import pacing, providers, services, twilio_sms, upkeep
from bbp.messaging.models import Message
from bbp.messaging.providers import FakeProvider, ProviderError, Sender, carrier_key
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond

RATE, AHEAD = 5.0, 0.4


@pytest.fixture
def shared_sender(app, monkeypatch):
    """The platform's sender carries RATE segments a second, for every agency using it."""
    monkeypatch.setitem(app.config, "SMS_SENDER_RATE", RATE)
    monkeypatch.setitem(app.config, "SMS_QUEUE_AHEAD_SECONDS", AHEAD)


def _queue(app, agency, count: int, prefix: str, **kwargs) -> None:
    with app.app_context(), bound(agency.info, db.session):
        for n in range(count):
            services.queue(f"30555501{n:02d}", f"{prefix} {n}", "one_off", **kwargs)


def _rows(app, agency) -> list[Message]:
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


def _waiting(app, agency) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(
            select(func.count()).where(Message.status.in_(("queued", "sending")))
        )


def _work_until_done(app, redis, *agencies, seconds: float = 60) -> None:
    """Run workers (and RQ's scheduler, which moves paced drains on) until nothing waits."""
    deadline = time.monotonic() + seconds
    while any(_waiting(app, agency) for agency in agencies):
        assert time.monotonic() < deadline, "texts still waiting"
        with app.app_context():
            queue = Queue("default", connection=redis)
            SimpleWorker([queue], connection=redis).work(burst=True, with_scheduler=True)
        time.sleep(0.05)


def _sends(app, *agencies) -> list[tuple[float, str]]:
    """(sent at, agency slug) of every sent text, in the order they went out."""
    sent = [
        (m.sent_at.timestamp(), agency.slug)
        for agency in agencies
        for m in _rows(app, agency)
        if m.status == "sent"
    ]
    return sorted(sent)


def test_two_agencies_sharing_a_sender_stay_within_its_rate_and_take_turns(
    app, redis, make_agency, shared_sender
):
    big, small = make_agency("big"), make_agency("small")
    _queue(app, big, 24, "big")
    _queue(app, small, 6, "small")
    _work_until_done(app, redis, big, small)
    sends = _sends(app, big, small)
    assert len(sends) == 30
    # Within the rate over every stretch of time: what RATE allows, plus what may be booked ahead.
    for i, (start, _) in enumerate(sends):
        for j in range(i + 1, len(sends)):
            allowed = RATE * (sends[j][0] - start) + RATE * AHEAD + 1
            assert j - i + 1 <= allowed + 1, f"{j - i + 1} texts in {sends[j][0] - start:.2f} s"
    # The fake carrier never had to queue more than we booked ahead of it.
    with app.app_context():
        longest = float(redis.hget(carrier_key(Sender("fake", RATE)), "longest") or 0)
    assert longest <= AHEAD + 0.25
    # The small agency shares the sender from the start instead of waiting behind the big one:
    # by its sixth text the big one has sent about as many (plus what it booked before the small
    # one showed up), not its 24.
    order = [slug for _, slug in sends]
    last_small = max(i for i, slug in enumerate(order) if slug == small.slug)
    assert order[:last_small].count(big.slug) <= 6 + RATE * AHEAD + 4


def test_texts_go_in_order_of_how_soon_they_stop_being_useful(app, redis, clock, tenant):
    now = clock.now
    with app.app_context(), bound(tenant.info, db.session):
        services.queue_many(
            [
                dict(
                    phone="+13055550142",
                    body=f"reminder {hours}h",
                    purpose="reminder",
                    dedupe_key=f"r{hours}",
                    useful_until=now + timedelta(hours=hours),
                )
                for hours in (30, 2, 6)
            ]
        )
        db.session.commit()
        services.queue("3055550143", "staff text", "one_off")
        services.queue("3055550144", "code 123456", "portal_code")
        chosen = pacing.next_texts(services._ready(), 10)
        bodies = {m.id: m.body for m in db.session.scalars(select(Message))}
    assert [bodies[text.id] for text in chosen] == [
        "code 123456",
        "staff text",
        "reminder 2h",
        "reminder 6h",
        "reminder 30h",
    ]


def test_a_text_that_expires_while_waiting_is_skipped_with_its_reason(
    app, redis, clock, owner, tenant, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER_RATE", 0.01)  # one segment per 100 s
    monkeypatch.setitem(app.config, "SMS_QUEUE_AHEAD_SECONDS", 0)
    bond_id = make_bond(app, tenant)
    before = int(redis.hget(metrics.TEXTS_KEY, "too_late") or 0)
    with app.app_context(), bound(tenant.info, db.session):
        services.queue("3055550142", "first", "one_off", bond_id=bond_id)
        services.queue(
            "3055550142",
            "Court tomorrow 9:30 AM",
            "reminder",
            bond_id=bond_id,
            useful_until=clock.now + timedelta(minutes=30),
        )
        assert services.drain() == {"sent": 1, "paced": 1}  # the sender is busy for 100 s
        clock.advance(minutes=31)
        assert upkeep.tend()["too_late"] == 1
    reminder = next(m for m in _rows(app, tenant) if m.purpose == "reminder")
    assert (reminder.status, reminder.last_error) == ("skipped", pacing.TOO_LATE)
    assert int(redis.hget(metrics.TEXTS_KEY, "too_late")) == before + 1
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Skipped" in page and "too late to be useful" in page


def test_a_flushed_redis_loses_nothing_while_texts_are_paced(
    app, redis, clock, make_agency, shared_sender
):
    agency = make_agency("paced")
    _queue(app, agency, 8, "text")
    with app.app_context(), bound(agency.info, db.session):
        first = services.drain()
        assert first["paced"] == 1 and 0 < first["sent"] < 8
        resume = pacing.next_turn()
        assert resume is not None
        assert upkeep.next_due(resume - timedelta(seconds=30)) <= resume  # its next turn
    redis.flushdb()  # the paced drain, the senders' schedules and the next turn are gone
    with app.app_context(), bound(agency.info, db.session):
        later = resume + timedelta(minutes=3)
        assert upkeep.next_due(resume) <= later  # the watch for lost jobs still comes
        assert upkeep.recover(later)["requeued"] == 8 - first["sent"]
    _work_until_done(app, redis, agency)
    rows = _rows(app, agency)
    assert [m.status for m in rows] == ["sent"] * 8
    assert len({m.provider_id for m in rows}) == 8  # each went out exactly once


def test_an_agency_with_its_own_sender_is_not_held_back_by_the_shared_one(
    app, redis, make_agency, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER_RATE", 0.01)  # the shared sender is slow
    monkeypatch.setitem(app.config, "SMS_QUEUE_AHEAD_SECONDS", 1)
    shared, own = make_agency("shared"), make_agency("own")
    with app.app_context(), bound(own.info, db.session):
        policy = settings.current()
        policy.sms_sender, policy.sms_sender_rate = "+18005550100", 50.0
        db.session.commit()
    _queue(app, shared, 5, "shared")
    with app.app_context(), bound(shared.info, db.session):
        assert services.drain() == {"sent": 1, "paced": 1}  # its next turn is 100 s away
    _queue(app, own, 20, "own")
    started = time.monotonic()
    _work_until_done(app, redis, own, seconds=20)
    assert time.monotonic() - started < 10  # 20 texts at up to 50 a second, not 100 s each
    assert _waiting(app, shared) == 4


def test_a_drain_for_one_agency_never_touches_another(app, redis, make_agency, shared_sender):
    first, second = make_agency("first"), make_agency("second")
    _queue(app, first, 3, "first")
    _queue(app, second, 3, "second")
    theirs = {key: redis.dump(key) for key in redis.keys(f"*{second.slug}*")}
    with app.app_context(), bound(first.info, db.session):
        services.drain()
    assert "sent" in {m.status for m in _rows(app, first)}
    assert [(m.status, m.attempts) for m in _rows(app, second)] == [("queued", 0)] * 3
    assert {key: redis.dump(key) for key in redis.keys(f"*{second.slug}*")} == theirs


def test_each_kind_of_sender_has_its_rate():
    assert providers.kind_rate("+13055550100") == providers.LONG_CODE == 1
    assert providers.kind_rate("+18885550100") == providers.TOLL_FREE == 3
    assert providers.kind_rate("82345") == providers.SHORT_CODE == 100
    assert providers.kind_rate("MG" + "a" * 32) == providers.LONG_CODE  # until configured
    configured = twilio_sms.TwilioProvider("AC" + "1" * 32, "t", "MG" + "a" * 32, rate=25)
    assert configured.sender.rate == 25


def test_the_fake_carrier_fails_what_would_wait_past_its_queue(app, redis, monkeypatch):
    monkeypatch.setattr(providers, "FAKE_QUEUE_SECONDS", 0.5)
    carrier = FakeProvider(sender=Sender("+13055550100", 1.0))
    with app.app_context():
        carrier.send("+13055550142", "one")
        with pytest.raises(ProviderError) as refused:
            carrier.send("+13055550143", "two")  # would wait a second behind the first
    assert "30001" in str(refused.value) and not refused.value.permanent


def test_an_admin_sets_what_the_agencys_own_number_carries(app, owner, tenant):
    form = {"sms_sender": "+13055550100", "sms_sender_rate": "12.5"}
    assert owner.post("/settings/reminders/sender", form).status_code == 302
    with app.app_context(), bound(tenant.info, db.session):
        assert providers.provider().sender == Sender("+13055550100", 12.5)
    refused = owner.post("/settings/reminders/sender", dict(form, sms_sender_rate="0"))
    assert refused.status_code == 422
    assert "Enter a rate between 0.1 and 1,000." in refused.get_data(as_text=True)


def test_a_long_text_takes_the_sender_as_long_as_its_segments(app, redis, tenant):
    sender = Sender("+13055550100", 1.0)  # a long code: one segment a second
    texts = [pacing.Text(1, 3), pacing.Text(2, 1)]  # three segments, then one
    with app.app_context(), bound(tenant.info, db.session):
        admitted, wait = pacing.admit(sender, texts, ahead=2)
    assert admitted == texts[:1]  # booked 3 s of the sender: 1 s more than may wait at Twilio
    assert 0.9 < wait <= 1.0
