"""Queue, send and track texts; honour STOP/START/HELP per phone number."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db, redis_client
from bbp.kernel import mail, metrics, phones, wakeups
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.keys import tenant_key
from bbp.messaging import limits, pacing
from bbp.messaging.models import PROGRESS, Message, OptOut
from bbp.messaging.providers import FakeProvider, ProviderError, provider
from bbp.messaging.redact import carries_secret, declared, redact
from bbp.tenancy import require_tenant
from bbp.tenancy.jobs import enqueue

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}
MAX_ATTEMPTS = 6
BACKOFF = [15, 60, 300, 900, 3600]  # seconds between retries of a provider error
DRAIN_BATCH = 50
DRAIN_KEY = ("sms", "drain")  # the agency's drain-job lock, see dispatch()
WATCH_AFTER = timedelta(minutes=3)  # a queued text still waiting then has lost its send job


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
    by=None,
    commit: bool = True,
) -> Message | None:
    """Record a text and hand it to a worker; None when the same dedupe key was queued before.

    A text a staff member sends (`by`, or signed in to this request) counts against the staff
    limits (`limits.spend` raises RateLimited); automated texts have no staff sender. One still
    waiting for a busy sender at `useful_until` is skipped with the reason. With commit=False the
    caller commits and then calls `dispatch()` itself.
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
            **pacing.deadlines(purpose, useful_until, utcnow()),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Message.id)
    ).scalar()
    if inserted is None:
        return None
    if status == "queued":
        _watch()
    message = db.session.get(Message, inserted)
    if commit:
        db.session.commit()
        if status == "queued":
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
        insert(Message)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Message.dedupe_key, Message.id)
    ).all()
    if inserted:
        _watch()
    return dict(inserted)


def _watch() -> None:
    """Have the scheduler look at this agency's texts soon: the texts task re-queues texts
    whose send jobs Redis lost (`messaging.upkeep`) and flags interrupted sends."""
    wakeups.wake(wakeups.TEXTS, utcnow() + WATCH_AFTER)


def dispatch(after: float = 0.0) -> None:
    """Make sure a worker will drain this agency's queued texts (one drain job at a time),
    `after` seconds from now when its sender is busy until then.

    Texts go out through per-agency drain jobs of DRAIN_BATCH texts that requeue themselves at
    the back of the queue: a busy agency takes turns with the others instead of starving them.
    """
    tenant = require_tenant()
    if redis_client().set(tenant_key(*DRAIN_KEY), "1", nx=True, ex=300 + int(after)):
        if after:
            pacing.note_resume(utcnow() + timedelta(seconds=after))
            enqueue(drain, tenant=tenant, delay=timedelta(seconds=after))
        else:
            enqueue(drain, tenant=tenant)


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
    )


def drain() -> dict[str, int]:
    """Worker job: send up to DRAIN_BATCH ready texts of the bound agency, then take a turn.

    Each text is claimed (queued -> sending) and committed just before it goes to the carrier,
    and its outcome committed right after: a worker killed mid-batch leaves at most the one text
    it was handing over in `sending` (flagged by the tick for a person to check, never resent);
    the rest are still `queued` and go out with the next drain. Texts go soonest-useless first;
    when the sender has no room for the next one, the drain stops and comes back when it has.
    """
    redis_client().delete(tenant_key(*DRAIN_KEY))
    texts = pacing.next_texts(_ready(), DRAIN_BATCH)
    db.session.commit()
    results: dict[str, int] = {}
    carrier = provider()
    ahead = current_app.config["SMS_QUEUE_AHEAD_SECONDS"]
    admitted, wait = pacing.admit(carrier.sender, texts, ahead)
    for text in admitted:
        outcome = deliver(text.id, carrier)
        results[outcome] = results.get(outcome, 0) + 1
    if wait:  # the sender is busy: give the worker back, take a turn when it has room
        dispatch(after=wait)
        results["paced"] = 1
    elif len(texts) == DRAIN_BATCH:  # more waiting: back of the line, behind other agencies
        dispatch()
    else:
        pacing.leave(carrier.sender)
    return results


def _send(message: Message, carrier) -> str:
    """Hand one claimed text to the carrier and note the outcome (the caller commits)."""
    try:
        sent = carrier.send(message.phone, message.body)
    except ProviderError as exc:
        return _failed(message, exc, commit=False)
    message.status, message.provider_id = "sent", sent.provider_id
    message.segments, message.sent_at, message.last_error = sent.segments, utcnow(), ""
    if carries_secret(message.purpose) and not isinstance(carrier, FakeProvider):
        message.body = redact(message.body)  # delivered: nobody needs the code or link again
    return "sent"


def _claim(message_id: int) -> Message | None:
    """Take a queued text for sending; a second worker (or a repeated job) gets nothing."""
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "queued")
        .values(status="sending", attempts=Message.attempts + 1)
        .returning(Message.id)
    ).scalar()
    db.session.commit()
    return db.session.get(Message, claimed) if claimed else None


def deliver(message_id: int, carrier=None) -> str:
    """Send one queued text through the provider and record what happened."""
    message = _claim(message_id)
    if message is None:
        return "not queued"  # another worker has it (or it is done): never sent twice
    outcome = _send(message, carrier or provider())
    db.session.commit()
    return outcome


def _failed(message: Message, exc: ProviderError, commit: bool = True) -> str:
    """Record a refusal: permanent ones end the text, others wait for their backoff."""
    message.last_error = str(exc)
    if exc.opted_out:
        message.status = "opted_out"
    elif exc.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        if message.purpose == "reminder":
            metrics.count_reminders(failed=1)
    else:
        message.status = "queued"  # the texts task wakes a drain after the backoff
    if commit:
        db.session.commit()
    return "retry" if message.status == "queued" else message.status


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
    db.session.commit()
    if keyword not in STOP_WORDS | START_WORDS | HELP_WORDS:
        _notify_agent(message)
    if keyword in HELP_WORDS:
        queue(
            phone,
            f"{require_tenant().name}: reply STOP to stop texts, START to resume. "
            "Call your bail agent for help.",
            "help",
        )
    return message


def _notify_agent(message: Message) -> None:
    """Email the agent who wrote the person's latest bond that a reply came in."""

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
        mail.send(
            agent.email,
            f"Text from {bond.defendant.full_name} ({bond.number})",
            f"{bond.defendant.full_name} replied from {message.phone}:\n\n{message.body}",
        )


def _defendant_for(phone: str) -> int | None:

    return db.session.scalar(select(Defendant.id).where(Defendant.phone == phone[2:]).limit(1))
