"""The email outbox: an owed email commits or rolls back with what owes it, goes out once per
dedupe key, survives a lost hand-off, a refusing mail server and a killed worker, and is only
ever written into the agency that owes it."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from redis.exceptions import ConnectionError as RedisDown
from rq import Queue, SimpleWorker
from sqlalchemy import select, update

from bbp.extensions import db
from bbp.kernel import mail
from bbp.kernel.wakeups import EMAILS
from bbp.messaging import emails
from bbp.messaging.models import Email
from bbp.tenancy import TenancyError, bound, in_schema
from bbp.tenancy.models import TenantWakeup

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def _rows(app, agency) -> list[tuple[str, int]]:
    with app.app_context(), bound(agency.info, db.session):
        found = db.session.scalars(select(Email).order_by(Email.id)).all()
        return [(e.status, e.attempts) for e in found]


def _in(app, agency, call, *args, **kwargs):
    with app.app_context(), bound(agency.info, db.session):
        return call(*args, **kwargs)


def _owe(key="k1", to="payer@example.com", commit=True):
    emails.queue(to, "Your receipt R-1", "We received your payment.", "receipt", key)
    if commit:
        db.session.commit()
    else:
        db.session.rollback()


def _sent(app, slug) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m["to"], m["subject"]) for m in mail.outbox(slug)]


def _smtp(app, monkeypatch, delivered: list, refuse: int = 0):
    """Mail goes to an SMTP server (faked here) through a worker, as in production."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    tries = {"n": 0}

    def deliver(to, subject, body):
        tries["n"] += 1
        if tries["n"] <= refuse:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        delivered.append((to, subject))

    monkeypatch.setattr(mail, "deliver", deliver)


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def test_an_owed_email_goes_out_when_its_transaction_commits(app, clock, tenant):
    clock.set(NOON)
    _in(app, tenant, _owe)
    assert _sent(app, tenant.slug) == [("payer@example.com", "Your receipt R-1")]
    assert _rows(app, tenant) == [("sent", 1)]


def test_a_rolled_back_email_is_never_sent(app, clock, tenant):
    clock.set(NOON)
    _in(app, tenant, _owe, commit=False)
    assert _sent(app, tenant.slug) == [] and _rows(app, tenant) == []


def test_one_dedupe_key_is_one_email_whatever_retries_owe_it(app, clock, tenant):
    clock.set(NOON)
    for _ in range(3):
        _in(app, tenant, _owe)
    assert len(_sent(app, tenant.slug)) == 1 and _rows(app, tenant) == [("sent", 1)]


def test_in_production_a_worker_sends_it_after_the_commit(app, redis, clock, tenant, monkeypatch):
    clock.set(NOON)
    delivered: list = []
    _smtp(app, monkeypatch, delivered)
    _in(app, tenant, _owe)
    assert delivered == [] and _rows(app, tenant) == [("queued", 0)]  # nothing in the request
    _work(app, redis)
    assert delivered == [("payer@example.com", "Your receipt R-1")]
    assert _rows(app, tenant) == [("sent", 1)]


def test_a_lost_hand_off_is_made_good_by_the_emails_task(app, redis, clock, tenant, monkeypatch):
    clock.set(NOON)
    delivered: list = []
    _smtp(app, monkeypatch, delivered)

    def redis_down(*args, **kwargs):
        raise RedisDown("Redis is down")

    monkeypatch.setattr(emails, "enqueue", redis_down)
    _in(app, tenant, _owe)  # the commit stands: the email is safe in the table
    assert _rows(app, tenant) == [("queued", 0)]
    with app.app_context():
        due = db.session.scalar(
            select(TenantWakeup.due_at).where(
                TenantWakeup.tenant_id == tenant.info.id, TenantWakeup.task == EMAILS
            )
        )
    assert due <= NOON + emails.WATCH_AFTER  # the task looks within minutes
    assert _in(app, tenant, emails.next_due, NOON) == NOON + emails.WATCH_AFTER
    assert _in(app, tenant, emails.tend)["sent"] == 1
    assert delivered == [("payer@example.com", "Your receipt R-1")]
    assert _in(app, tenant, emails.tend)["sent"] == 0  # and never again


def test_a_refusing_mail_server_is_retried_on_the_backoff_then_marked_failed(
    app, redis, clock, tenant, monkeypatch
):
    clock.set(NOON)
    delivered: list = []
    _smtp(app, monkeypatch, delivered, refuse=1)
    _in(app, tenant, _owe)
    _work(app, redis)
    assert _rows(app, tenant) == [("queued", 1)]
    retry_at = NOON + emails.BACKOFF[0]
    assert _in(app, tenant, emails.next_due, NOON) == retry_at
    clock.set(retry_at - timedelta(seconds=1))
    assert _in(app, tenant, emails.tend)["sent"] == 0  # not before its backoff ends
    clock.set(retry_at)
    assert _in(app, tenant, emails.tend)["sent"] == 1
    assert delivered == [("payer@example.com", "Your receipt R-1")]

    _smtp(app, monkeypatch, delivered, refuse=emails.MAX_ATTEMPTS)
    _in(app, tenant, _owe, "k2", "owner@example.com")
    _work(app, redis)
    for wait in emails.BACKOFF:
        clock.advance(wait)
        _in(app, tenant, emails.tend)
    assert _rows(app, tenant)[1] == ("failed", emails.MAX_ATTEMPTS)
    with app.app_context(), bound(tenant.info, db.session):
        failed = db.session.scalars(select(Email).where(Email.status == "failed")).one()
        assert "SMTPServerDisconnected" in failed.last_error
    assert delivered == [("payer@example.com", "Your receipt R-1")]


def test_a_send_cut_off_by_a_killed_worker_goes_again(app, clock, tenant, monkeypatch):
    clock.set(NOON)
    monkeypatch.setattr(emails, "hand_off", lambda tenant=None: None)  # no send yet
    _in(app, tenant, _owe)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(update(Email).values(status="sending", attempts=1, updated_at=NOON))
        db.session.commit()
    assert _in(app, tenant, emails.next_due, NOON) == NOON + emails.INTERRUPTED_AFTER
    clock.set(NOON + emails.INTERRUPTED_AFTER - timedelta(seconds=1))
    assert _in(app, tenant, emails.tend)["revived"] == 0
    clock.set(NOON + emails.INTERRUPTED_AFTER + timedelta(seconds=1))
    assert _in(app, tenant, emails.tend) == {
        "revived": 1,
        "given_up": 0,
        "forgotten": 0,
        "sent": 1,
        "retry": 0,
        "failed": 0,
    }
    assert _rows(app, tenant) == [("sent", 2)]


def test_sent_emails_are_forgotten_after_thirty_days(app, clock, tenant):
    clock.set(NOON)
    _in(app, tenant, _owe)
    assert _in(app, tenant, emails.next_due, NOON) == NOON + emails.KEEP_SENT
    clock.set(NOON + emails.KEEP_SENT + timedelta(minutes=1))
    assert _in(app, tenant, emails.tend)["forgotten"] == 1
    assert _rows(app, tenant) == [] and _in(app, tenant, emails.next_due, clock.now) is None


def test_an_agency_cannot_owe_an_email_from_another(app, tenant, other_tenant):
    with app.app_context(), bound(tenant.info, db.session), pytest.raises(TenancyError):
        emails.queue("x@example.com", "S", "B", "receipt", tenant=other_tenant.info)
    with app.app_context(), pytest.raises(TenancyError):
        emails.queue("x@example.com", "S", "B", "receipt")  # bound to none and none named


def test_the_platform_owes_an_email_into_the_named_agency_only(app, clock, tenant, other_tenant):
    clock.set(NOON)
    with app.app_context():  # the platform's own transaction, bound to no agency
        emails.queue("owner@example.com", "Trial", "Ends soon", "billing", "t1", tenant=tenant.info)
        db.session.commit()
    assert _sent(app, tenant.slug) == [("owner@example.com", "Trial")]
    assert _rows(app, tenant) == [("sent", 1)]
    assert _sent(app, other_tenant.slug) == [] and _rows(app, other_tenant) == []


def test_a_long_outbox_is_sent_in_batches_that_take_turns(app, redis, clock, tenant, monkeypatch):
    clock.set(NOON)
    delivered: list = []
    _smtp(app, monkeypatch, delivered)
    monkeypatch.setattr(emails, "BATCH", 2)

    def owe_five():
        for n in range(5):
            emails.queue(f"p{n}@example.com", "Receipt", "Paid", "receipt", f"r{n}")
        db.session.commit()

    _in(app, tenant, owe_five)
    with app.app_context():
        queue = Queue("default", connection=redis)
        assert queue.count == 1  # one job for the agency, not one per email
    _work(app, redis)  # each full batch queues the next job behind the others
    assert sorted(delivered) == [(f"p{n}@example.com", "Receipt") for n in range(5)]
    assert _rows(app, tenant) == [("sent", 1)] * 5


def test_a_released_savepoint_is_not_the_commit_that_hands_the_email_off(app, clock, tenant):
    clock.set(NOON)
    with app.app_context(), bound(tenant.info, db.session):
        emails.queue("payer@example.com", "Your receipt R-1", "B", "receipt", "k1")
        with db.session.begin_nested():  # released: its after_commit fires, nothing committed
            pass
        try:
            with db.session.begin_nested():
                raise ValueError("a savepoint rolled back")
        except ValueError:
            pass
        db.session.commit()
    assert _sent(app, tenant.slug) == [("payer@example.com", "Your receipt R-1")]


def test_a_session_closed_without_a_commit_owes_nothing_to_the_next_one(
    app, clock, tenant, other_tenant, monkeypatch
):
    clock.set(NOON)
    handed: list[str] = []
    with app.app_context():
        with bound(tenant.info, db.session):  # closes the session: no commit, no rollback
            emails.queue("payer@example.com", "S", "B", "receipt", "k1")
        monkeypatch.setattr(emails, "hand_off", lambda tenant=None: handed.append(tenant.slug))
        with bound(other_tenant.info, db.session):
            emails.queue("payer@example.com", "S", "B", "receipt", "k2")
            db.session.commit()
    assert handed == [other_tenant.slug]
    assert _rows(app, tenant) == []


def test_no_statement_names_another_agency_while_one_is_bound(app, tenant, other_tenant):
    with app.app_context(), bound(tenant.info, db.session), pytest.raises(TenancyError):
        in_schema(other_tenant.info)
    with app.app_context(), bound(tenant.info, db.session):
        assert in_schema(tenant.info)  # its own: what queue() names


def test_a_malformed_email_fails_at_once_and_is_never_retried(app, clock, tenant, monkeypatch):
    clock.set(NOON)

    def refuse(to, subject, body):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(mail, "transmit", refuse)
    _in(app, tenant, _owe)
    assert _rows(app, tenant) == [("failed", 1)]
    clock.advance(emails.INTERRUPTED_AFTER + emails.BACKOFF[-1])
    assert _in(app, tenant, emails.tend)["sent"] == 0
    assert _rows(app, tenant) == [("failed", 1)]


def test_a_send_cut_off_on_every_attempt_is_given_up(app, clock, tenant, monkeypatch):
    clock.set(NOON)
    monkeypatch.setattr(emails, "hand_off", lambda tenant=None: None)
    _in(app, tenant, _owe)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(
            update(Email).values(status="sending", attempts=emails.MAX_ATTEMPTS, updated_at=NOON)
        )
        db.session.commit()
    clock.set(NOON + emails.INTERRUPTED_AFTER + timedelta(seconds=1))
    assert _in(app, tenant, emails.tend)["given_up"] == 1
    assert _rows(app, tenant) == [("failed", emails.MAX_ATTEMPTS)]
    assert _sent(app, tenant.slug) == []


def test_failed_emails_are_forgotten_after_thirty_days_too(app, clock, tenant, monkeypatch):
    clock.set(NOON)
    monkeypatch.setattr(mail, "transmit", lambda *a: (_ for _ in ()).throw(ValueError("bad")))
    _in(app, tenant, _owe)
    assert _in(app, tenant, emails.next_due, NOON) == NOON + emails.KEEP_SENT
    clock.set(NOON + emails.KEEP_SENT + timedelta(minutes=1))
    assert _in(app, tenant, emails.tend)["forgotten"] == 1
    assert _rows(app, tenant) == []


def test_a_restored_copy_leaves_the_originals_owed_emails_to_it(app, clock, tenant, monkeypatch):
    clock.set(NOON)
    monkeypatch.setattr(emails, "hand_off", lambda tenant=None: None)  # still owed
    _in(app, tenant, _owe, "waiting")
    assert _in(app, tenant, lambda: (emails.leave_to_original(), db.session.commit())[0]) == 1
    with app.app_context(), bound(tenant.info, db.session):
        row = db.session.scalars(select(Email)).one()
        assert (row.status, row.last_error) == ("failed", emails.LEFT_TO_ORIGINAL)
