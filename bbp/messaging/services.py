"""Queue, send and track texts; honour STOP/START/HELP per phone number."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Row, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db, redis_client
from bbp.kernel import changes, metrics, phones, wakeups
from bbp.kernel.bulk import insert_rows
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.keys import tenant_key
from bbp.messaging import emails, limits, pacing
from bbp.messaging.models import PROGRESS, Message, OptOut
from bbp.messaging.providers import FakeProvider, ProviderError, provider
from bbp.messaging.redact import carries_secret, declared, redact
from bbp.tenancy import autocommit, require_tenant
from bbp.tenancy.jobs import enqueue

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}
MAX_ATTEMPTS = 6
BACKOFF = [15, 60, 300, 900, 3600]  # seconds between retries of a provider error
DRAIN_BATCH = 200  # texts chosen at a time
TURN_SECONDS = 2.0  # how long one agency's drain sends before going to the back of the queue
DRAIN_KEY = ("sms", "drain")  # the agency's drain-job lock, see dispatch()
WATCH_AFTER = timedelta(minutes=3)  # a queued text still waiting then has lost its send job
log = logging.getLogger(__name__)


MESSAGES = Message.__table__
CLAIMED = (
    MESSAGES.c.id,
    MESSAGES.c.phone,
    MESSAGES.c.body,
    MESSAGES.c.purpose,
    MESSAGES.c.attempts,
)


class Outcome(NamedTuple):
    """What became of one claimed text: the columns to write, and a word for the job's counts."""

    message_id: int
    result: str
    values: dict


class MessagingError(DomainError, ValueError):
    """A text cannot be queued as asked; the message is for the user."""


def e164(phone: str) -> str:
    """+1 and ten digits for a US number typed any way; refused when it is not one."""
    number = phones.e164(phone)
    if number is None:
        raise MessagingError("That is not a 10-digit US phone number.")
    return number


def opted_out(phone: str) -> bool:
    """Whether this number told the agency STOP."""
    return db.session.get(OptOut, phone) is not None


def queue(
    phone: str,
    body: str,
    purpose: str,
    *,
    bond_id: int | None = None,
    defendant_id: int | None = None,
    indemnitor_id: int | None = None,
    dedupe_key: str | None = None,
    useful_until: datetime | None = None,
    not_before: datetime | None = None,
    by=None,
    commit: bool = True,
) -> Message | None:
    """Record a text and hand it to a worker; None when the same dedupe key was queued before.

    A text a staff member sends (`by`, or signed in to this request) counts against the staff
    limits (`limits.spend` raises RateLimited); automated texts have no staff sender. One still
    waiting for a busy sender at `useful_until` is skipped with the reason; one held until
    `not_before` goes with the first drain after it. With commit=False the caller commits and
    then calls `dispatch()` (or `hand_off()`) itself.
    """
    declared(purpose)
    phone, body = e164(phone), body.strip()
    if not body:
        raise MessagingError("Write the message first.")
    if len(body) > 1600:
        raise MessagingError("Keep the message under 1,600 characters (10 texts).")
    by = limits.staff_sender(by)
    if limits.limited(purpose, by):
        limits.spend(phone, purpose)
    status = "opted_out" if opted_out(phone) else "queued"
    now = utcnow()
    held = not_before if not_before is not None and not_before > now else None
    inserted = db.session.execute(
        insert(Message)
        .values(
            direction="out",
            phone=phone,
            body=body,
            purpose=purpose,
            bond_id=bond_id,
            defendant_id=defendant_id,
            indemnitor_id=indemnitor_id,
            dedupe_key=dedupe_key,
            status=status,
            sent_by_id=getattr(by, "id", None),
            last_error="Recipient texted STOP" if status == "opted_out" else "",
            not_before=held,
            **pacing.deadlines(purpose, useful_until, held or now),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Message.id)
    ).scalar()
    if inserted is None:
        return None
    if status == "queued":
        _watch(held)
    message = db.session.get(Message, inserted)
    if commit:
        db.session.commit()
        if status == "queued" and held is None:
            dispatch()
    return message


def queue_many(rows: list[dict]) -> dict[str, int]:
    """Record many texts at once (caller commits, then dispatches); returns ids by dedupe key.

    Each row has phone (E.164), body, purpose, the related ids, a dedupe_key and optionally
    useful_until.
    """
    for purpose in {row["purpose"] for row in rows}:
        declared(purpose)
    stopped = set(
        db.session.scalars(
            select(OptOut.phone).where(OptOut.phone.in_({row["phone"] for row in rows}))
        )
    )
    now = utcnow()
    values = [
        dict(
            row,
            **pacing.deadlines(row["purpose"], row.get("useful_until"), now),
            direction="out",
            status="opted_out" if row["phone"] in stopped else "queued",
            last_error="Recipient texted STOP" if row["phone"] in stopped else "",
        )
        for row in rows
    ]
    inserted = db.session.execute(
        insert_rows(MESSAGES, values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(MESSAGES.c.dedupe_key, MESSAGES.c.id)
    ).all()
    if inserted:
        _watch()
    return dict(inserted)


def _watch(held: datetime | None = None) -> None:
    """Have the scheduler look at this agency's texts soon (or when a held text may go): the
    texts task re-queues texts whose send jobs Redis lost (`messaging.upkeep`) and flags
    interrupted sends."""
    wakeups.wake(wakeups.TEXTS, held or utcnow() + WATCH_AFTER)


def dispatch(after: float = 0.0) -> None:
    """Make sure a worker will drain this agency's queued texts (one drain job at a time),
    `after` seconds from now when its sender is busy until then.

    Texts go out through per-agency drain jobs that send for one turn (TURN_SECONDS) and requeue
    themselves at the back of the queue: a busy agency takes turns with the others instead of
    starving them.
    """
    tenant = require_tenant()
    lock = tenant_key(*DRAIN_KEY)
    if not redis_client().set(lock, "1", nx=True, ex=300 + int(after)):
        return
    try:
        if after:
            pacing.note_resume(utcnow() + timedelta(seconds=after))
            enqueue(drain, tenant=tenant, delay=timedelta(seconds=after))
        else:
            enqueue(drain, tenant=tenant)
    except RedisError:
        _release(lock)  # no job took the lock: the next dispatch (or the texts task) may
        raise


def _release(lock: str) -> None:
    with contextlib.suppress(RedisError):  # Redis is down: the lock expires on its own
        redis_client().delete(lock)


def hand_off() -> None:
    """dispatch(), for texts already committed: if Redis cannot take the drain job, they are
    safe in the table and the texts task (`upkeep.recover`) hands them over, so say so and go on
    rather than fail what committed them."""
    try:
        dispatch()
    except RedisError:
        log.warning("%s: texts wait for the texts task (no drain job)", require_tenant().slug)


def backoff_seconds(attempts):
    """SQL: the seconds a text waits after its `attempts`-th provider error before the next."""
    return case(*((attempts == n + 1, seconds) for n, seconds in enumerate(BACKOFF)), else_=0)


def _ready():
    """Queued texts whose backoff after a provider error has passed."""
    waited = utcnow() - func.make_interval(0, 0, 0, 0, 0, 0, backoff_seconds(Message.attempts))
    return (
        (Message.status == "queued")
        & (Message.direction == "out")
        & ((Message.attempts == 0) | (Message.updated_at <= waited))
        & released(utcnow())
    )


def released(now: datetime):
    """SQL: texts not held, or held until `now` or before."""
    return Message.not_before.is_(None) | (Message.not_before <= now)


def next_texts(limit: int) -> list[pacing.Text]:
    """The bound agency's ready texts to send next, soonest to stop being useful first."""
    chosen = pacing.next_texts(_ready(), limit)
    db.session.commit()
    return chosen


def drain() -> dict[str, int]:
    """Worker job: send the bound agency's ready texts for one turn, then go to the back.

    One statement per text, committed on its own, records the previous text's outcome and
    claims the next (queued -> sending) just before it goes to the carrier: a worker killed
    mid-turn leaves at most the one text it was handing over in `sending` (flagged by the texts
    task for a person to check, never resent); the rest are still `queued` and go out with the
    next drain. A turn lasts TURN_SECONDS, so agencies take turns instead of one starving the
    others. Texts go soonest-useless first; when the sender has no room for the next one, the
    drain stops and comes back when it has.
    """
    redis_client().delete(tenant_key(*DRAIN_KEY))
    carrier, results, outcome = provider(), {}, None
    ahead = current_app.config["SMS_QUEUE_AHEAD_SECONDS"]
    turn_ends = time.monotonic() + TURN_SECONDS
    more, wait = True, 0.0
    with autocommit(db.engine) as connection:
        while more and not wait and time.monotonic() < turn_ends:
            chosen = next_texts(DRAIN_BATCH)
            more = len(chosen) == DRAIN_BATCH
            admitted, wait = pacing.admit(carrier.sender, chosen, ahead)
            for n, text in enumerate(admitted):
                outcome = send_claimed(_hand_over(connection, outcome, text.id), carrier)
                result = outcome.result if outcome else "not queued"
                results[result] = results.get(result, 0) + 1
                if time.monotonic() >= turn_ends:
                    more = more or n + 1 < len(chosen)
                    break
        _hand_over(connection, outcome, None)
    if set(results) - {"not queued"}:  # written outside the session: tell what processes keep
        changes.bump()
    if wait:  # the sender is busy: give the worker back, take a turn when it has room
        dispatch(after=wait)
        results["paced"] = 1
    elif more:  # more waiting: back of the line, behind other agencies
        dispatch()
    else:
        pacing.leave(carrier.sender)
    return results


def deliver(message_id: int, carrier=None) -> str:
    """Send one queued text through the provider and record what happened."""
    with autocommit(db.engine) as connection:
        outcome = send_claimed(_hand_over(connection, None, message_id), carrier or provider())
        _hand_over(connection, outcome, None)
    if outcome is not None:
        changes.bump()
    return outcome.result if outcome else "not queued"


def _hand_over(connection, previous: Outcome | None, message_id: int | None) -> Row | None:
    """One statement, one commit: record the previous text's outcome and claim the next one
    (queued -> sending); a second worker, or a repeated job, claims nothing."""
    params = {"claim_id": message_id}
    if previous is not None:
        params |= {f"done_{name}": value for name, value in previous.values.items()}
        params["done_id"] = previous.message_id
    claims = message_id is not None
    statement = _statement(tuple(previous.values) if previous else None, claims)
    if statement is None:
        return None
    result = connection.execute(statement, params)
    return result.first() if claims else None


@functools.cache
def _statement(recorded: tuple[str, ...] | None, claims: bool):
    """The hand-over for one shape of outcome, built once so each text only binds values."""
    done = None
    if recorded is not None:
        done = (
            update(MESSAGES)
            .where(MESSAGES.c.id == bindparam("done_id"), MESSAGES.c.status == "sending")
            .values({name: bindparam(f"done_{name}") for name in recorded})
        )
    if not claims:
        return done
    claim = (
        update(MESSAGES)
        .where(MESSAGES.c.id == bindparam("claim_id"), MESSAGES.c.status == "queued")
        .values(status="sending", attempts=MESSAGES.c.attempts + 1)
        .returning(*CLAIMED)
    )
    return claim.add_cte(done.cte("done")) if done is not None else claim


def send_claimed(message: Row | None, carrier) -> Outcome | None:
    """Hand one claimed text to the carrier; the outcome is recorded by the next hand-over."""
    if message is None:
        return None
    try:
        sent = carrier.send(message.phone, message.body)
    except ProviderError as exc:
        return _refused(message, exc)
    done = dict(
        status="sent",
        provider_id=sent.provider_id,
        segments=sent.segments,
        sent_at=utcnow(),
        last_error="",
    )
    if carries_secret(message.purpose) and not isinstance(carrier, FakeProvider):
        # delivered: nobody needs the code or link again
        done["body"] = redact(message.purpose, message.body)
    return Outcome(message.id, "sent", done)


def _refused(message: Row, exc: ProviderError) -> Outcome:
    """A refusal: permanent ones end the text, others wait for their backoff."""
    if exc.opted_out:
        status = "opted_out"
    elif exc.permanent or message.attempts >= MAX_ATTEMPTS:
        status = "failed"
        if message.purpose == "reminder":
            metrics.count_reminders(failed=1)
    else:
        status = "queued"  # the texts task wakes a drain after the backoff
    result = "retry" if status == "queued" else status
    return Outcome(message.id, result, dict(status=status, last_error=str(exc)))


def status_callback(provider_id: str, status: str, error: str = "") -> bool:
    """Apply a delivery report; only moves a message forward, so replays change nothing."""
    message = db.session.scalar(
        select(Message).where(Message.provider_id == provider_id).with_for_update()
    )
    if message is None or status not in PROGRESS:
        return False
    if PROGRESS[status] <= PROGRESS[message.status] and status != message.status:
        return False
    message.status = status
    if error:
        message.last_error = error
    db.session.commit()
    return True


def inbound(phone: str, body: str, provider_id: str) -> Message | None:
    """Record a reply once; STOP/START change the opt-out, HELP gets the agency's contact."""
    phone = e164(phone)
    if db.session.scalar(select(Message.id).where(Message.provider_id == provider_id)):
        return None  # a webhook delivered twice
    keyword = body.strip().upper().rstrip(".!")
    message = Message(
        direction="in",
        phone=phone,
        body=body,
        purpose="reply",
        status="received",
        provider_id=provider_id,
        defendant_id=_defendant_for(phone),
    )
    db.session.add(message)
    if keyword in STOP_WORDS:
        db.session.execute(
            insert(OptOut).values(phone=phone, keyword=keyword).on_conflict_do_nothing()
        )
        record("sms.opted_out", message, after={"phone": phone, "keyword": keyword}, actor="sms")
    elif keyword in START_WORDS:
        db.session.query(OptOut).filter(OptOut.phone == phone).delete()
        record("sms.opted_in", message, after={"phone": phone, "keyword": keyword}, actor="sms")
    if keyword not in STOP_WORDS | START_WORDS | HELP_WORDS:
        _notify_agent(message)
    db.session.commit()  # the agent's email goes to a worker with it
    if keyword in HELP_WORDS:
        queue(
            phone,
            f"{require_tenant().name}: reply STOP to stop texts, START to resume. "
            "Call your bail agent for help.",
            "help",
        )
    return message


def _notify_agent(message: Message) -> None:
    """Owe the agent who wrote the person's latest bond an email that a reply came in (written
    with the reply: a lost hand-off is made good by the emails task, and Twilio's retry of the
    webhook is a duplicate that owes nothing)."""
    if message.defendant_id is None:
        return
    bond = db.session.scalars(
        select(Bond)
        .where(Bond.defendant_id == message.defendant_id)
        .order_by(Bond.id.desc())
        .limit(1)
    ).first()
    agent = db.session.get(User, bond.writing_agent_id) if bond and bond.writing_agent_id else None
    if agent is not None and agent.active:
        db.session.flush()  # the reply's id names the email
        emails.queue(
            agent.email,
            f"Text from {bond.defendant.full_name} ({bond.number})",
            f"{bond.defendant.full_name} replied from {message.phone}:\n\n{message.body}",
            "reply",
            f"reply:{message.id}",
        )


def _defendant_for(phone: str) -> int | None:

    return db.session.scalar(select(Defendant.id).where(Defendant.phone == phone[2:]).limit(1))
