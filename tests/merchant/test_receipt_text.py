"""The payer's receipt text is written with the ledger entry, in the webhook's transaction: a
hand-off to the worker lost after the commit is recovered by the texts task, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.exceptions import ConnectionError as RedisDown
from sqlalchemy import select, text

from bbp.extensions import db
from bbp.merchant import receipt_notice
from bbp.messaging import services as messaging
from bbp.messaging import upkeep
from bbp.messaging.models import Message
from tests.merchant.checkout_support import complete, connected, deliver, ledger, pay, session_of
from tests.portal import conftest as portal
from tests.portal.conftest import COSIGNER_PHONE, inside, run_jobs, texts_to

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York: outside quiet hours
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


def _receipts(app, agency) -> list[Message]:
    return [m for m in texts_to(app, agency, COSIGNER_PHONE) if m.purpose == "receipt"]


def _paid_events(app, tenant, cosigner, bond_id) -> list[str]:
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, bond_id))
    return complete(app, account, session_id)


def _down(*args, **kwargs):
    raise RedisDown("Redis is down")


def _tend(app, agency) -> dict[str, int]:
    with inside(app, agency):
        return upkeep.tend()


def test_the_receipt_text_commits_in_the_ledger_entrys_transaction(
    app, redis, tenant, book, cosigner
):
    events = _paid_events(app, tenant, cosigner, book.bond_id)
    assert set(deliver(app, events)) == {200}
    [(receipt, _, intent_id)] = ledger(app, tenant, book.bond_id)
    with inside(app, tenant):
        # Rows a transaction writes carry its id (xmin) until they are next updated.
        entry = db.session.execute(
            text("SELECT xmin::text FROM payments WHERE external_id = :id"), {"id": intent_id}
        ).scalar_one()
        texts = db.session.execute(
            text("SELECT xmin::text, body FROM messages WHERE purpose = 'receipt'")
        ).all()
        events_of_entry = db.session.execute(
            text("SELECT count(*) FROM public.connect_events WHERE xmin::text = :x"), {"x": entry}
        ).scalar_one()
    assert [(xmin, receipt in body) for xmin, body in texts] == [(entry, True)]
    assert events_of_entry == 1  # the event's id was recorded in that transaction too


@pytest.mark.parametrize("lost", ["enqueue", "redis"])
def test_a_lost_hand_off_is_recovered_once_by_the_texts_task(
    app, redis, tenant, book, cosigner, daytime, monkeypatch, lost
):
    events = _paid_events(app, tenant, cosigner, book.bond_id)

    # After the commit the hand-off fails: the drain job never reaches RQ.
    monkeypatch.setattr(messaging, "enqueue" if lost == "enqueue" else "redis_client", _down)
    assert set(deliver(app, events)) == {200}  # committed: the text is safe in the table
    monkeypatch.undo()
    run_jobs(app)
    [held] = _receipts(app, tenant)
    assert held.status == "queued"  # no drain was queued
    assert set(deliver(app, events)) == {200}  # Stripe's retries: duplicates, nothing twice
    assert len(ledger(app, tenant, book.bond_id)) == 1
    assert len(_receipts(app, tenant)) == 1
    daytime.advance(minutes=3)
    assert _tend(app, tenant)["requeued"] == 1
    run_jobs(app)
    assert _tend(app, tenant)["requeued"] == 0
    run_jobs(app)
    [sent] = _receipts(app, tenant)
    assert sent.status == "sent" and sent.attempts == 1


def test_a_retried_delivery_sends_the_receipt_once(app, redis, tenant, book, cosigner, daytime):
    events = _paid_events(app, tenant, cosigner, book.bond_id)
    assert set(deliver(app, events)) == {200}
    run_jobs(app)
    assert set(deliver(app, events)) == {200}
    daytime.advance(minutes=3)
    _tend(app, tenant)
    run_jobs(app)
    [sent] = _receipts(app, tenant)
    assert sent.status == "sent" and sent.attempts == 1
    assert len(ledger(app, tenant, book.bond_id)) == 1


def test_a_failed_processing_keeps_neither_the_entry_nor_its_text(
    app, redis, tenant, book, cosigner, monkeypatch
):
    events = _paid_events(app, tenant, cosigner, book.bond_id)
    written = receipt_notice.owe

    def fails_after_writing(row, payment):
        written(row, payment)
        assert db.session.scalar(select(Message.id).where(Message.purpose == "receipt"))
        raise RuntimeError("the database went away after the receipt was written")

    monkeypatch.setattr(receipt_notice, "owe", fails_after_writing)
    with pytest.raises(RuntimeError):
        deliver(app, events)
    monkeypatch.undo()
    assert ledger(app, tenant, book.bond_id) == []
    assert _receipts(app, tenant) == []
    assert set(deliver(app, events)) == {200}  # Stripe's retry processes it
    run_jobs(app)
    assert len(ledger(app, tenant, book.bond_id)) == 1
    assert [m.status for m in _receipts(app, tenant)] == ["sent"]


def test_the_other_agency_never_sees_the_receipt(
    app, redis, visit, tenant, other_tenant, book, cosigner, daytime, monkeypatch
):
    events = _paid_events(app, tenant, cosigner, book.bond_id)
    monkeypatch.setattr(messaging, "enqueue", _down)
    assert set(deliver(app, events)) == {200}
    monkeypatch.undo()
    daytime.advance(minutes=3)
    assert _tend(app, other_tenant)["requeued"] == 0  # its texts task finds nothing of ours
    run_jobs(app)
    with inside(app, other_tenant):
        assert db.session.scalars(select(Message)).all() == []
    theirs = visit(other_tenant)
    theirs.login(other_tenant.owner_email)
    assert theirs.get(f"/bonds/{book.bond_id}").status_code == 404
    assert _tend(app, tenant)["requeued"] == 1
    run_jobs(app)
    assert [m.status for m in _receipts(app, tenant)] == ["sent"]
