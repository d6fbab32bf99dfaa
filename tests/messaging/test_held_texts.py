"""Texts held until a moment (`not_before`), and hand-offs to a worker that Redis refused: both
wait in the table and go out once, from the texts task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.exceptions import ConnectionError as RedisDown
from rq import Queue, SimpleWorker
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel.keys import tenant_key
from bbp.messaging import services, upkeep
from bbp.messaging.models import Message
from bbp.tenancy import bound

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
PHONE = "3055550142"


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _statuses(app, agency) -> list[tuple[str, int]]:
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        return [(m.status, m.attempts) for m in rows]


def _in(app, agency, call, *args):
    with app.app_context(), bound(agency.info, db.session):
        return call(*args)


def _down(*args, **kwargs):
    raise RedisDown("Redis is down")


def test_a_held_text_waits_for_its_moment_then_goes_once(app, redis, clock, tenant):
    clock.set(NOON)
    later = NOON + timedelta(hours=8)
    queued = _in(app, tenant, lambda: services.queue(PHONE, "Hi", "receipt", not_before=later).id)
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.get(Message, queued).not_before == later
    _in(app, tenant, services.dispatch)  # a drain meanwhile (another text's) leaves it alone
    _work(app, redis)
    assert _statuses(app, tenant) == [("queued", 0)]
    assert _in(app, tenant, upkeep.next_due, NOON) == later
    clock.set(later - timedelta(minutes=1))
    assert _in(app, tenant, upkeep.tend)["requeued"] == 0
    clock.set(later)
    assert _in(app, tenant, upkeep.tend)["requeued"] == 1
    _work(app, redis)
    _in(app, tenant, upkeep.tend)
    _work(app, redis)
    assert _statuses(app, tenant) == [("sent", 1)]


def test_a_moment_already_past_holds_nothing(app, redis, clock, tenant):
    clock.set(NOON)
    held = _in(
        app, tenant, lambda: services.queue(PHONE, "Hi", "receipt", not_before=NOON).not_before
    )
    assert held is None
    _work(app, redis)
    assert _statuses(app, tenant) == [("sent", 1)]


def test_a_refused_hand_off_leaves_the_text_to_the_texts_task(
    app, redis, clock, tenant, monkeypatch
):
    clock.set(NOON)
    monkeypatch.setattr(services, "enqueue", _down)
    with app.app_context(), bound(tenant.info, db.session):
        services.queue(PHONE, "Receipt", "receipt", commit=False)
        db.session.commit()
        services.hand_off()  # logged, not raised: the text is committed
    monkeypatch.undo()
    # The drain's lock was released with the failed job, so the next dispatch is not blocked.
    assert not redis.exists(_in(app, tenant, tenant_key, *services.DRAIN_KEY))
    _work(app, redis)
    assert _statuses(app, tenant) == [("queued", 0)]
    clock.set(NOON + upkeep.LOST_AFTER + timedelta(seconds=1))
    assert _in(app, tenant, upkeep.tend)["requeued"] == 1
    _work(app, redis)
    assert _statuses(app, tenant) == [("sent", 1)]
