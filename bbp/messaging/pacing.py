"""Texts paced to what each sender carries, shared fairly by the agencies that use it.

A carrier takes a sender's texts at a fixed rate in segments per second and queues the excess,
then fails what waited too long (Twilio's error 30001; docs/reminders.md, "Pacing"). So before
texts are handed over, `admit` books their segments on the sender's schedule in Redis, one
schedule for every worker and every agency using that sender, and the carrier's queue as we
booked it never runs more than SMS_QUEUE_AHEAD_SECONDS (plus one text) ahead. The agencies
waiting for one sender share it equally: each also keeps a schedule of its own at rate /
(agencies waiting), so a big agency cannot starve a small one, and an agency alone on a sender
gets all of it.

Within an agency texts go in order of `send_by`, how soon they stop being useful; one still
waiting past its `useful_until` is skipped with the reason, never silently dropped. Redis holds
only the schedules: the messages table says what is still to send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select, update

from bbp.extensions import db, redis_client
from bbp.kernel import metrics
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key, tenant_key
from bbp.messaging.models import Message
from bbp.messaging.providers import Sender, segments
from bbp.tenancy import require_tenant

TOO_LATE = "Not sent: too late to be useful (the sending number was busy with other texts)."
# How soon a text without a deadline of its own should go, by purpose: someone waits at the
# phone for a code; a staff text matters within minutes; a court reminder by its useful_until.
SOON = {
    "portal_code": timedelta(minutes=1),
    "help": timedelta(minutes=2),
    "portal_link": timedelta(minutes=5),
    "check_in": timedelta(minutes=10),
    "one_off": timedelta(minutes=10),
    "signature": timedelta(minutes=15),
    "pay_link": timedelta(minutes=10),
    "receipt": timedelta(minutes=30),
    "failure_to_appear": timedelta(minutes=30),
}
LATER = timedelta(hours=1)  # any other purpose, and a reminder without its useful_until
GRACE = 5.0  # seconds an agency stays counted as waiting past its next turn (job latency)
# Books texts on the sender's schedule and the agency's share of it, in order, as long as they fit;
# returns how many it booked and, if it stopped early, the seconds until the next one fits.
# KEYS: the sender's booked-until, the agency's booked-until on it, the agencies waiting for it.
# ARGV: rate, seconds ahead allowed, agency slug, grace, then each text's segments. Times come
# from Redis' own clock, the one clock every worker shares.
_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, ahead, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZADD', KEYS[3], now + grace, ARGV[3])
local sharing = redis.call('ZCARD', KEYS[3])
local sender = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local own = math.max(tonumber(redis.call('GET', KEYS[2]) or 0), now)
local booked, wait = 0, 0
for i = 5, #ARGV do
  wait = math.max(sender - now - ahead, own - now - ahead)
  if wait > 0 then break end
  sender = sender + tonumber(ARGV[i]) / rate
  own = own + tonumber(ARGV[i]) * sharing / rate
  booked = booked + 1
end
if booked > 0 then
  redis.call('SET', KEYS[1], tostring(sender), 'EX', math.ceil(sender - now) + 60)
  redis.call('SET', KEYS[2], tostring(own), 'EX', math.ceil(own - now) + 60)
end
if wait > 0 then redis.call('ZADD', KEYS[3], now + wait + grace, ARGV[3]) end
redis.call('EXPIRE', KEYS[3], math.ceil(wait + grace) + 60)
return {booked, tostring(math.max(wait, 0))}
"""


class Text(NamedTuple):
    """A queued text chosen to go next: its id and the segments it will take."""

    id: int
    segments: int


def deadlines(purpose: str, useful_until: datetime | None, now: datetime) -> dict:
    """The pacing columns of a new text: its hard deadline and its place in the line."""
    send_by = useful_until or now + SOON.get(purpose, LATER)
    return {"useful_until": useful_until, "send_by": send_by}


def next_texts(ready, limit: int) -> list[Text]:
    """The bound agency's next texts among `ready` ones, soonest to stop being useful first,
    after skipping those already too late (the caller commits)."""
    skip_too_late(utcnow())
    rows = db.session.execute(
        select(Message.id, Message.body)
        .where(ready)
        .order_by(Message.send_by, Message.id)
        .limit(limit)
    ).all()
    return [Text(row.id, segments(row.body)) for row in rows]


def skip_too_late(now: datetime) -> int:
    """Mark queued texts past their useful time skipped, with the reason (the caller commits)."""
    purposes = db.session.scalars(
        update(Message)
        .where(
            Message.status == "queued",
            Message.direction == "out",
            Message.useful_until <= now,
        )
        .values(status="skipped", last_error=TOO_LATE)
        .returning(Message.purpose)
    ).all()
    if purposes:
        metrics.count_texts(too_late=len(purposes))
        metrics.count_reminders(skipped=purposes.count("reminder"))
    return len(purposes)


def _keys(sender: Sender) -> list[str]:
    return [
        platform_key("sms", "sender", sender.key, "booked"),
        tenant_key("sms", "sender", sender.key, "booked"),
        platform_key("sms", "sender", sender.key, "waiting"),
    ]


def admit(sender: Sender, texts: list[Text], ahead: float) -> tuple[list[Text], float]:
    """The texts the sender can take now, in order (booked on its schedule, one round trip),
    and the seconds until it can take the next one (0 when all of them fit)."""
    if not sender.rate or not texts:
        return texts, 0.0
    booked, wait = redis_client().eval(
        _BOOK,
        3,
        *_keys(sender),
        sender.rate,
        ahead,
        require_tenant().slug,
        GRACE,
        *(text.segments for text in texts),
    )
    if int(booked) < len(texts):
        metrics.count_texts(paced=1)
        return texts[: int(booked)], max(float(wait), 0.001)
    return texts, 0.0


def leave(sender: Sender) -> None:
    """The bound agency has nothing more for this sender: the others share it without her."""
    if sender.rate:
        redis_client().zrem(_keys(sender)[2], require_tenant().slug)


def resume_key() -> str:
    """When the bound agency's paced drain is due again (read by the texts task's next_due)."""
    return tenant_key("sms", "resume")


def note_resume(at: datetime) -> None:
    """Remember the agency's next turn, for as long as it matters."""
    redis_client().set(resume_key(), at.isoformat(), ex=int((at - utcnow()).total_seconds()) + 600)


def next_turn() -> datetime | None:
    """The bound agency's next turn on a busy sender, if one is still to come."""
    stored = redis_client().get(resume_key())
    if stored is None:
        return None
    at = datetime.fromisoformat(stored.decode() if isinstance(stored, bytes) else stored)
    return at if at > utcnow() else None
