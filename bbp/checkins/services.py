"""Check-in rules: schedules, due check-ins texted as signed single-use links, misses."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from bbp.audit import services as audit
from bbp.checkins.models import CheckIn, CheckInSchedule
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel import links, wakeups
from bbp.kernel.clock import agency_date, agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.links import InvalidLink, tenant_url
from bbp.kernel.transactions import atomic
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.tenancy import require_tenant

SALT = "bbp-check-in"
LINKS = links.SignedLinks(SALT)
REFUSALS = links.Refusals(expired=_l("This check-in link has expired."))
DEFAULT_HOURS = 24
ATTENTION_DAYS = 7  # how far back the list page and the dashboard look for missed check-ins
RECENT = 10


@dataclass(frozen=True)
class Link:
    """What a verified check-in token names."""

    checkin: CheckIn
    nonce: str


@dataclass(frozen=True)
class Board:
    """The list page: today's check-ins, and earlier ones missed or still overdue."""

    today: list[CheckIn]
    attention: list[CheckIn]


def window() -> timedelta:
    """How long a check-in stays open (and its link valid) after it falls due."""
    return timedelta(hours=current_app.config.get("CHECKIN_LINK_HOURS", DEFAULT_HOURS))


def next_due(schedule: CheckInSchedule, now: datetime) -> datetime | None:
    """The next time this schedule asks for a check-in after `now`."""
    if not schedule.active:
        return None
    after = now + timedelta(seconds=1)
    horizon = after + timedelta(days=max(schedule.every_days, 7) + 1)
    ahead = schedule.due_times(after, horizon, agency_zone())
    return ahead[0] if ahead else None


def schedule_of(defendant: Defendant) -> CheckInSchedule | None:
    """The defendant's check-in schedule, if one was ever set."""
    return db.session.scalar(
        select(CheckInSchedule).where(CheckInSchedule.defendant_id == defendant.id)
    )


def _check(weekday: int | None, every_days: int | None, time_of_day: time | None) -> None:
    if weekday is not None and not 0 <= weekday <= 6:
        raise DomainError("Choose a day of the week.", "weekday")
    if weekday is None and every_days is None:
        raise DomainError("Choose a weekday, or enter how many days apart.", "every_days")
    if weekday is None and not 1 <= every_days <= 90:
        raise DomainError("Enter a number of days from 1 to 90.", "every_days")
    if time_of_day is None:
        raise DomainError("Enter the time of day.", "time_of_day")


@atomic
def set_schedule(
    defendant: Defendant,
    weekday: int | None,
    every_days: int | None,
    time_of_day: time | None,
    by,
    active: bool = True,
) -> CheckInSchedule:
    """Set (or change, or pause) the defendant's schedule; the new rule counts from now."""
    _check(weekday, every_days, time_of_day)
    schedule = schedule_of(defendant)
    fields = ("weekday", "every_days", "time_of_day", "active")
    before = audit.changes(schedule, fields) if schedule else None
    if schedule is None:
        schedule = CheckInSchedule(defendant_id=defendant.id, created_by_id=by.id)
        db.session.add(schedule)
    schedule.weekday, schedule.every_days = weekday, 7 if weekday is not None else every_days
    schedule.time_of_day, schedule.active = time_of_day.replace(second=0, microsecond=0), active
    schedule.starts_at = utcnow()
    db.session.flush()
    wakeups.wake(wakeups.CHECKINS, next_due(schedule, schedule.starts_at))
    action = "check_in_schedule.changed" if before else "check_in_schedule.set"
    audit.record(action, schedule, before=before, after=audit.changes(schedule, fields))
    return schedule


def make_token(checkin: CheckIn) -> str:
    """A signed token naming the agency, the check-in and its current nonce."""
    return LINKS.make({"c": checkin.id, "n": checkin.token_nonce})


def link_for(checkin: CheckIn) -> str:
    """The absolute check-in link texted to the defendant."""
    return tenant_url(require_tenant(), f"/check-in/{make_token(checkin)}")


def _open_due(now: datetime) -> None:
    """Insert the check-ins that fell due within the window; existing ones are left alone."""
    rows = [
        {
            "defendant_id": s.defendant_id,
            "schedule_id": s.id,
            "due_at": at,
            "token_nonce": links.nonce(),
        }
        for s in db.session.scalars(select(CheckInSchedule).where(CheckInSchedule.active))
        for at in s.due_times(
            now - window() + timedelta(seconds=1), now + timedelta(seconds=1), agency_zone()
        )
    ]
    if rows:
        db.session.execute(
            insert(CheckIn)
            .values(rows)
            .on_conflict_do_nothing(constraint="uq_check_ins_schedule_due")
        )
    db.session.commit()


def _wording(checkin: CheckIn) -> str:
    """The check-in text in the defendant's language."""
    hours = int(window().total_seconds() // 3600)
    with force_locale(checkin.defendant.language or "en"):
        return ngettext(
            "%(agency)s: time for your check-in. Open %(link)s and tap Check in. The link "
            "works once, for %(num)d hour.",
            "%(agency)s: time for your check-in. Open %(link)s and tap Check in. The link "
            "works once, for %(num)d hours.",
            hours,
            agency=require_tenant().name,
            link=link_for(checkin),
        )


def _text(checkin: CheckIn) -> Message | None:
    body = _wording(checkin)
    key = f"check-in-{checkin.id}"
    try:
        message = messaging.queue(
            checkin.defendant.phone,
            body,
            "check_in",
            defendant_id=checkin.defendant_id,
            dedupe_key=key,
            useful_until=checkin.due_at + window(),  # the link stops working then
        )
    except messaging.MessagingError:
        return None  # no usable phone number: the check-in still shows as due on the list
    # None: queued before but not linked (a crash in between); link the existing text.
    return message or db.session.scalar(select(Message).where(Message.dedupe_key == key))


def due_checkins(now: datetime | None = None) -> int:
    """Open every check-in that is due and text its link once; safe to run any number of times."""
    now = now or utcnow()
    _open_due(now)
    unsent = db.session.scalars(
        select(CheckIn.id).where(
            CheckIn.status == "pending",
            CheckIn.sent_message_id.is_(None),
            CheckIn.due_at <= now,
            CheckIn.due_at > now - window(),
        )
    ).all()
    texted = 0
    for checkin_id in unsent:
        checkin = db.session.get(CheckIn, checkin_id)
        message = _text(checkin)
        if message is not None:
            checkin.sent_message_id = message.id
            audit.record("check_in.texted", checkin, after={"message_id": message.id})
            db.session.commit()
            texted += 1
    return texted


def read_link(token: str) -> Link:
    """Verify a check-in token for this agency, or raise InvalidLink saying why."""
    data = LINKS.read(token, REFUSALS, window())
    checkin_id, nonce = data.get("c"), data.get("n")
    checkin = db.session.get(CheckIn, checkin_id) if isinstance(checkin_id, int) else None
    if checkin is None or not isinstance(nonce, str):
        raise InvalidLink(_("This link is not valid for this agency."))
    _require_open(checkin, nonce)
    return Link(checkin, nonce)


def _require_open(checkin: CheckIn, nonce: str) -> None:
    if checkin.status == "missed":
        raise InvalidLink(_("The time for this check-in has passed."), links.GONE)
    links.check_mark(nonce, checkin.token_nonce, REFUSALS)


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw or "nan")
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _coordinate(raw: str | None, limit: int) -> Decimal:
    value = _number(raw)
    if value is None or abs(value) > limit:
        raise DomainError(
            _("We could not read your location. Press “Check in” to check in without it.")
        )
    return Decimal(f"{value:.6f}")


@atomic
def record(
    link: Link,
    method: str,
    latitude: str | None = None,
    longitude: str | None = None,
    accuracy: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> CheckIn:
    """Record the defendant's check-in once: the link's nonce is spent in the same transaction."""
    if method not in ("plain", "gps"):
        raise DomainError(_("Press “Check in” to check in."))
    lat = _coordinate(latitude, 90) if method == "gps" else None
    lon = _coordinate(longitude, 180) if method == "gps" else None
    # Two taps at once: the second waits for the first, then finds the nonce spent.
    checkin = link.checkin
    links.lock(checkin)
    _require_open(checkin, link.nonce)
    checkin.status, checkin.checked_in_at, checkin.token_nonce = "done", utcnow(), None
    checkin.method, checkin.latitude, checkin.longitude = method, lat, lon
    meters = _number(accuracy) if method == "gps" else None
    checkin.accuracy_m = (
        min(round(meters), 1_000_000) if meters is not None and meters >= 0 else None
    )
    checkin.ip, checkin.user_agent = ip, (user_agent or "")[:255] or None
    after = {"method": method, "location": checkin.location_text or None}
    audit.record("check_in.done", checkin, after=after, actor="defendant (check-in link)")
    return checkin


def mark_missed(now: datetime | None = None) -> int:
    """Flag pending check-ins whose window has closed as missed (their links die with them)."""
    now = now or utcnow()
    missed = db.session.scalars(
        update(CheckIn)
        .where(CheckIn.status == "pending", CheckIn.due_at <= now - window())
        .values(status="missed", token_nonce=None)
        .returning(CheckIn)
    ).all()
    for checkin in missed:
        audit.record("check_in.missed", checkin, after={"due_at": checkin.due_at.isoformat()})
    db.session.commit()
    return len(missed)


def every_minute() -> None:
    """Scheduler job: open and text due check-ins, then flag the missed ones."""
    now = utcnow()
    due_checkins(now)
    mark_missed(now)


def next_run(now: datetime) -> datetime | None:
    """When the agency next needs `every_minute`: the next check-in any active schedule asks
    for, or the moment the oldest open check-in is missed, whichever comes first."""
    times = [
        at
        for schedule in db.session.scalars(select(CheckInSchedule).where(CheckInSchedule.active))
        if (at := next_due(schedule, now)) is not None
    ]
    oldest = db.session.scalar(select(func.min(CheckIn.due_at)).where(CheckIn.status == "pending"))
    if oldest is not None:
        times.append(oldest + window())
    return min(times, default=None)


def today_and_overdue(now: datetime | None = None) -> Board:
    """Check-ins due today (agency time), and missed or still-open ones from the last week."""
    now = now or utcnow()
    start = datetime.combine(agency_date(now), time(), agency_zone())
    today = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.due_at >= start, CheckIn.due_at < start + timedelta(days=1))
        .order_by(CheckIn.due_at, CheckIn.id)
    ).all()
    attention = db.session.scalars(
        select(CheckIn)
        .where(
            CheckIn.status.in_(("pending", "missed")),
            CheckIn.due_at < start,
            CheckIn.due_at >= start - timedelta(days=ATTENTION_DAYS),
        )
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
    ).all()
    return Board(list(today), list(attention))


def missed_recently(now: datetime | None = None) -> int:
    """How many check-ins were missed in the last week (for the dashboard)."""
    now = now or utcnow()
    return db.session.scalar(
        select(func.count(CheckIn.id)).where(
            CheckIn.status == "missed", CheckIn.due_at >= now - timedelta(days=ATTENTION_DAYS)
        )
    )


def recent(defendant: Defendant, limit: int = RECENT) -> list[CheckIn]:
    """A defendant's latest check-ins, newest first."""
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.defendant_id == defendant.id)
            .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
            .limit(limit)
        )
    )
