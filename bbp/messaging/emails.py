"""The agency's email outbox: an email owed by an event that nobody watches (a payer's receipt
from a webhook, a billing notice to the owners, a forfeiture's note to the agent) is a row written
in the event's own transaction, and a worker sends it after the commit.

Mail a person waits for in a request (an invitation, a sign-in code) goes straight out with
`kernel.mail.send`: if it is lost, they ask again. Mail written here survives whatever happens
after the commit: `queue` writes it (once per dedupe key) with the event, the commit hands it to a
worker (a session listener: callers do nothing more), and the emails task (`tend`) sends what a
lost hand-off left and retries a refused send on BACKOFF. A worker killed mid-send leaves its
row `sending`; the task sends it again after INTERRUPTED_AFTER, so an email may arrive twice but
is never lost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bbp.extensions import db
from bbp.kernel import mail, metrics, wakeups
from bbp.kernel.clock import utcnow
from bbp.messaging.models import Email
from bbp.tenancy import TenancyError, TenantInfo, autocommit, bound, current_tenant, in_schema
from bbp.tenancy.jobs import enqueue

log = logging.getLogger(__name__)
EMAILS = Email.__table__
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]  # after each refused attempt
MAX_ATTEMPTS = len(BACKOFF) + 1  # about 14.5 hours of trying before it is marked failed
WATCH_AFTER = timedelta(minutes=3)  # a queued email still waiting then has lost its job
INTERRUPTED_AFTER = timedelta(minutes=10)  # a send that long in `sending` was cut off
KEEP_SENT = timedelta(days=30)  # then a sent or failed email's row (and its body) is deleted
LEFT_TO_ORIGINAL = "Restored copy: the original agency sends its own emails."
BATCH = 50  # emails one job sends before it queues the next one
OWED = "bbp_owed_emails"  # session.info: the agencies whose emails this transaction wrote


def queue(
    to: str,
    subject: str,
    body: str,
    purpose: str,
    dedupe_key: str | None = None,
    tenant: TenantInfo | None = None,
) -> int | None:
    """In the caller's transaction: owe one email from the bound agency, or from `tenant` in the
    platform's own transaction (bound to none); None when the dedupe key was owed before."""
    bound_now = current_tenant()
    tenant = tenant or bound_now
    if tenant is None or (bound_now is not None and bound_now.id != tenant.id):
        raise TenancyError("an email is owed from the bound agency, or from one named when none is")
    now = utcnow()
    owed = db.session.execute(
        insert(EMAILS)
        .values(
            to_address=to,
            subject=subject[:200],
            body=body,
            purpose=purpose,
            dedupe_key=dedupe_key,
            status="queued",
            attempts=0,
            last_error="",
            next_attempt_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(EMAILS.c.id),
        execution_options=in_schema(tenant),
    ).scalar()
    if owed is not None:
        wakeups.wake(wakeups.EMAILS, now + WATCH_AFTER, tenant_id=tenant.id)
        db.session().info.setdefault(OWED, {})[tenant.id] = tenant
    return owed


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
        return
    for tenant in session.info.pop(OWED, {}).values():
        hand_off(tenant)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # rolled back or closed: its emails are gone with it
        session.info.pop(OWED, None)


LISTENERS = (("after_commit", _after_commit), ("after_transaction_end", _after_transaction_end))


def install() -> None:
    """Hand owed emails to a worker when the transaction that wrote them commits (once per
    process, whatever the number of apps)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def hand_off(tenant: TenantInfo | None = None) -> None:
    """Once committed: have the agency's owed emails sent now. If Redis cannot take the job
    they are safe in the table, and the emails task sends them within WATCH_AFTER."""
    tenant = tenant or current_tenant()
    if tenant is None:
        raise TenancyError("hand_off needs the agency whose emails to send")
    if current_app.config["MAIL_BACKEND"] == "outbox":
        # The dev outbox is Redis itself: no worker needed, and `make run` and the tests see
        # the email at once. Its own connection: the caller's session is left as it is.
        with bound(tenant):
            send_queued()
        return
    try:
        enqueue(send_queued, tenant=tenant)
    except RedisError:
        log.warning("%s: emails wait for the emails task (no send job)", tenant.slug)


def send_queued() -> dict[str, int]:
    """Worker job: send the bound agency's due emails, BATCH at most (then the next job goes on).

    Each claim (queued -> sending) and each outcome commits on its own, so two workers never
    take one email and a killed worker leaves at most the one it was sending.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with autocommit(db.engine) as connection:
        for _ in range(BATCH):
            claimed = connection.execute(_claim(utcnow())).first()
            if claimed is None:
                break
            counts[_send(connection, claimed)] += 1
    metrics.count_emails(**counts)
    if sum(counts.values()) == BATCH:  # more may be waiting, behind other agencies' jobs
        hand_off()
    return counts


def _claim(now: datetime):
    due = (
        select(EMAILS.c.id)
        .where(EMAILS.c.status == "queued", EMAILS.c.next_attempt_at <= now)
        .order_by(EMAILS.c.next_attempt_at, EMAILS.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(EMAILS)
        .where(EMAILS.c.id == due)
        .values(status="sending", attempts=EMAILS.c.attempts + 1, updated_at=now)
        .returning(
            EMAILS.c.id, EMAILS.c.to_address, EMAILS.c.subject, EMAILS.c.body, EMAILS.c.attempts
        )
    )


def _send(connection, email) -> str:
    """Hand one claimed email to the mail server and record what happened."""
    try:
        mail.transmit(email.to_address, email.subject, email.body)
    except (OSError, RedisError) as exc:  # SMTP refusals and timeouts are OSErrors
        return _refused(connection, email, exc, done=email.attempts >= MAX_ATTEMPTS)
    except Exception as exc:  # a malformed email (a newline in a header): trying again cannot help
        log.exception("email %s cannot be sent", email.id)
        return _refused(connection, email, exc, done=True)
    connection.execute(
        update(EMAILS)
        .where(EMAILS.c.id == email.id)
        .values(status="sent", sent_at=utcnow(), last_error="", updated_at=utcnow())
    )
    return "sent"


def _refused(connection, email, exc: Exception, done: bool) -> str:
    """Record a refused send: queued again after its backoff, or failed for good when `done`."""
    connection.execute(
        update(EMAILS)
        .where(EMAILS.c.id == email.id)
        .values(
            status="failed" if done else "queued",
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            next_attempt_at=utcnow() + (timedelta(0) if done else BACKOFF[email.attempts - 1]),
            updated_at=utcnow(),
        )
    )
    level = logging.ERROR if done else logging.WARNING
    log.log(level, "email %s (%s attempts): %s", email.id, email.attempts, exc)
    return "failed" if done else "retry"


def tend() -> dict[str, int]:
    """The emails task for the bound agency: send again what a killed worker cut off (unless it
    has had every attempt), send what a lost hand-off left or a backoff held, and forget sent
    and failed emails after KEEP_SENT."""
    now = utcnow()
    cut_off = (Email.status == "sending") & (Email.updated_at < now - INTERRUPTED_AFTER)
    given_up = db.session.execute(
        update(Email)
        .where(cut_off, Email.attempts >= MAX_ATTEMPTS)
        .values(status="failed", last_error="Cut off mid-send on every attempt", updated_at=now)
    ).rowcount
    revived = db.session.execute(
        update(Email).where(cut_off).values(status="queued", next_attempt_at=now, updated_at=now)
    ).rowcount
    forgotten = db.session.execute(
        delete(Email).where(
            Email.status.in_(("sent", "failed")), Email.updated_at < now - KEEP_SENT
        )
    ).rowcount
    db.session.commit()
    counts = {"revived": revived, "given_up": given_up, "forgotten": forgotten}
    return counts | send_queued()


def leave_to_original() -> int:
    """In an agency restored from an archive: its copied emails still owed are the original's
    (the receipts and notices went, or go, from there), so the copy marks them failed."""
    return db.session.execute(
        update(Email)
        .where(Email.status.in_(("queued", "sending")))
        .values(status="failed", last_error=LEFT_TO_ORIGINAL, updated_at=utcnow())
    ).rowcount


def next_due(now: datetime) -> datetime | None:
    """When the agency next needs `tend`: a refused email's backoff ending (only the task sends
    it again), a new one's hand-off overdue, a send to check on, or a finished one's time to go."""
    queued = Email.status == "queued"
    retry, handed, sending, oldest_done = db.session.execute(
        select(
            func.min(Email.next_attempt_at).filter(queued, Email.attempts > 0),
            func.min(Email.updated_at).filter(queued, Email.attempts == 0),
            func.min(Email.updated_at).filter(Email.status == "sending"),
            func.min(Email.updated_at).filter(Email.status.in_(("sent", "failed"))),
        )
    ).one()
    times = [
        retry,
        handed and handed + WATCH_AFTER,
        sending and sending + INTERRUPTED_AFTER,
        oldest_done and oldest_done + KEEP_SENT,
    ]
    return min((t for t in times if t is not None), default=None)
