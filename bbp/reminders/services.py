"""Plan and send court reminders each minute, from the database alone.

Every tick (1) plans: for court dates in the next 8 days, makes sure a `pending` row exists per
recipient and offset (a unique constraint makes this idempotent) and cancels rows whose court
date moved, got an outcome, or whose bond closed; then (2) sends: claims due rows with
`FOR UPDATE SKIP LOCKED`, skips the ones past their useful time, postpones the ones in quiet
hours, and queues the rest as messages whose dedupe key is the reminder's id. Redis only carries
the resulting send jobs: if it loses them, the texts task (`messaging.upkeep`) re-queues them
from the messages table.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import ARRAY, Integer, func, literal, select, update

from bbp.audit.services import record
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel import metrics, wakeups
from bbp.kernel.bulk import insert_rows
from bbp.kernel.clock import agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.messaging import services as messaging
from bbp.reminders import texts
from bbp.reminders.models import Reminder
from bbp.settings import services as settings
from bbp.tenancy import require_tenant
from bbp.vault.services import encrypt

DAYS = {"7d": 7, "3d": 3, "2d": 2, "1d": 1}
HORIZON = timedelta(days=8)
BATCH = 1000  # reminders claimed and queued per transaction
SEND_SECONDS = 30  # one run's sending stops after this; what is left is due at the next tick
INSERT_CHUNK = 10_000  # planned rows per INSERT
REMINDERS = Reminder.__table__
OPEN_BOND = ("written", "active", "reinstated", "surrendered")


def due_times(starts_at: datetime, offsets: list[str], morning_hour: int) -> list[tuple]:
    """(offset, due_at, useful_until) for each offset that falls before the court time."""
    local = starts_at.astimezone(agency_zone())
    times = []
    for key in offsets:
        if key == "morning":
            due = datetime.combine(local.date(), clock_time(morning_hour), agency_zone())
        elif key in DAYS:
            due = local - timedelta(days=DAYS[key])
        else:
            continue
        if due < starts_at:
            times.append((key, due))
    times.sort(key=lambda item: item[1])
    # Each reminder is useful until the next, closer one is due (the last until court).
    return [
        (key, due, times[i + 1][1] if i + 1 < len(times) else starts_at)
        for i, (key, due) in enumerate(times)
    ]


def _upcoming(now: datetime):
    """Court dates owed reminders: in the next 8 days, no outcome, bond still open."""
    return (
        select(CourtDate.id, CourtDate.starts_at, CourtDate.bond_id)
        .join(Bond, Bond.id == CourtDate.bond_id)
        .where(
            CourtDate.starts_at > now,
            CourtDate.starts_at <= now + HORIZON,
            CourtDate.outcome.is_(None),
            Bond.status.in_(OPEN_BOND),
        )
    )


def _recipients(now: datetime) -> dict[int, list[dict]]:
    """Everyone with a phone on those bonds who has not asked to skip court reminders, by bond:
    two queries (defendants, cosigners) however many court dates there are."""
    bonds = _upcoming(now).with_only_columns(CourtDate.bond_id).scalar_subquery()
    people: dict[int, list[dict]] = {}
    for bond_id, person, role, link in (
        (Bond.id, Defendant, "defendant_id", Defendant.id == Bond.defendant_id),
        (
            BondIndemnitor.bond_id,
            Indemnitor,
            "indemnitor_id",
            Indemnitor.id == BondIndemnitor.indemnitor_id,
        ),
    ):
        found = db.session.execute(
            select(bond_id, person.id, person.phone, person.first_name, person.language)
            .join(person, link)
            .where(bond_id.in_(bonds), person.phone != "", person.reminders_opt_out.is_(False))
        )
        for bond, person_id, phone, name, language in found:
            people.setdefault(bond, []).append(
                {
                    "phone": phone,
                    "name": name,
                    "language": language or "en",
                    "defendant_id": None,
                    "indemnitor_id": None,
                    role: person_id,
                }
            )
    return people


def plan(now: datetime | None = None) -> int:
    """Create missing reminder rows for the next 8 days and cancel the ones no longer owed."""
    now = now or utcnow()
    policy = settings.current()
    rows = []
    if policy.reminders_enabled:
        people = _recipients(now)
        for court_id, starts_at, bond_id in db.session.execute(_upcoming(now)):
            for key, due, useful in due_times(
                starts_at, policy.reminder_offsets, policy.quiet_end_hour
            ):
                rows += [
                    dict(
                        court_date_id=court_id,
                        for_starts_at=starts_at,
                        offset_key=key,
                        due_at=due,
                        useful_until=useful,
                        **person,
                    )
                    for person in people.get(bond_id, ())
                ]
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(
            insert_rows(REMINDERS, rows[start : start + INSERT_CHUNK]).on_conflict_do_nothing(
                constraint="uq_reminders_once"
            )
        )
    _cancel_stale()
    db.session.commit()
    return len(rows)


def _cancel_stale() -> None:
    """Pending reminders for a moved, decided or closed court date are not owed any more."""
    stale = (
        select(Reminder.id)
        .join(CourtDate)
        .join(Bond)
        .where(Reminder.status == "pending")
        .where(
            (Reminder.for_starts_at != CourtDate.starts_at)
            | CourtDate.outcome.is_not(None)
            | Bond.status.not_in(OPEN_BOND)
        )
    )
    db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(stale))
        .values(status="cancelled", note="court date changed or bond closed")
    )


def in_quiet_hours(moment: datetime, start: int, end: int) -> datetime | None:
    """When quiet hours end, if `moment` falls inside them (else None)."""
    local = moment.astimezone(agency_zone())
    quiet = local.hour >= start or local.hour < end if start > end else start <= local.hour < end
    if not quiet:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, clock_time(end), agency_zone())


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Queue every reminder that is due, once; skip late ones; hold quiet-hour ones.

    Batch after batch, each committed (and its texts dispatched) on its own, until nothing is due
    or SEND_SECONDS have passed: what is left is still due, so the next tick takes it."""
    now = now or utcnow()
    policy = settings.current()
    later = in_quiet_hours(now, policy.quiet_start_hour, policy.quiet_end_hour)
    totals = {"sent": 0, "skipped": 0, "postponed": 0}
    stop_at = time.monotonic() + SEND_SECONDS
    while True:
        claimed, counts = _send_batch(now, later, policy)
        totals = {key: totals[key] + counts[key] for key in totals}
        if claimed < BATCH or time.monotonic() >= stop_at:
            return totals


def _send_batch(now: datetime, later: datetime | None, policy) -> tuple[int, dict[str, int]]:
    """Claim up to BATCH due reminders and settle each in a fixed number of statements."""
    due = db.session.execute(
        select(
            Reminder.id,
            Reminder.phone,
            Reminder.name,
            Reminder.language,
            Reminder.useful_until,
            Reminder.defendant_id,
            Reminder.indemnitor_id,
            CourtDate.bond_id,
            CourtDate.starts_at,
            CourtDate.court_name,
            CourtDate.courtroom,
            CourtDate.address,
        )
        .join(CourtDate, CourtDate.id == Reminder.court_date_id)
        .where(Reminder.status == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=REMINDERS)
    ).all()
    late = [r.id for r in due if now >= r.useful_until]
    waiting = [r for r in due if now < r.useful_until]
    if late:
        db.session.execute(
            update(REMINDERS)
            .where(REMINDERS.c.id.in_(late))
            .values(status="skipped", note="too late to be useful")
        )
    if waiting and later is not None:
        db.session.execute(
            update(REMINDERS)
            .where(REMINDERS.c.id.in_([r.id for r in waiting]))
            .values(due_at=later)
        )
    sent = _queue(waiting, policy) if later is None else 0
    db.session.commit()
    counts = {"sent": sent, "skipped": len(late), "postponed": len(waiting) - sent}
    metrics.count_reminders(due=len(due), **counts)
    if sent:
        messaging.dispatch()
    return len(due), counts


def _queue(due: list, policy) -> int:
    """One message row per reminder (the dedupe key makes it once only), then every reminder
    marked sent with its message: two statements for the whole batch."""
    if not due:
        return 0
    tenant = require_tenant()
    wording = {"en": policy.reminder_template_en, "es": policy.reminder_template_es}
    ids = messaging.queue_many(
        [
            dict(
                phone=messaging.e164(r.phone),
                body=texts.render(
                    r.language,
                    agency=tenant.name,
                    name=r.name,
                    starts_at=r.starts_at,
                    zone=tenant.timezone,
                    court_name=r.court_name,
                    courtroom=r.courtroom,
                    address=r.address,
                    template=wording.get(r.language),
                ),
                purpose="reminder",
                bond_id=r.bond_id,
                defendant_id=r.defendant_id,
                indemnitor_id=r.indemnitor_id,
                dedupe_key=f"reminder:{r.id}",
                useful_until=r.useful_until,
            )
            for r in due
        ]
    )
    sent = select(
        func.unnest(literal([r.id for r in due], ARRAY(Integer))).label("id"),
        func.unnest(literal([ids.get(f"reminder:{r.id}") for r in due], ARRAY(Integer))).label(
            "message_id"
        ),
    ).subquery()
    db.session.execute(
        update(REMINDERS)
        .where(REMINDERS.c.id == sent.c.id)
        .values(status="sent", message_id=sent.c.message_id)
    )
    return len(due)


def tick() -> dict[str, int]:
    """The minute's reminder work for the bound agency (their texts are the texts task's)."""
    plan()
    return send_due()


def next_due(now: datetime) -> datetime | None:
    """When the agency next needs `tick`: the next pending reminder, or the moment the next
    court date enters the planning horizon."""
    times = []
    if settings.current().reminders_enabled:
        times.append(
            db.session.scalar(select(func.min(Reminder.due_at)).where(Reminder.status == "pending"))
        )
        entering = db.session.scalar(
            select(func.min(CourtDate.starts_at))
            .join(Bond)
            .where(
                CourtDate.starts_at > now + HORIZON,
                CourtDate.outcome.is_(None),
                Bond.status.in_(OPEN_BOND),
            )
        )
        times.append(entering - HORIZON if entering else None)
    return min((t for t in times if t is not None), default=None)


def save_policy(
    enabled: bool,
    offsets: list[str],
    quiet_start: int,
    quiet_end: int,
    by,
    fta_text_cosigners: bool = True,
):
    """Change the reminder policy; pending reminders follow it from the next tick."""

    if enabled and not offsets:
        raise DomainError(
            "Choose at least one time to send reminders, or turn them off.", "offsets"
        )
    if quiet_start == quiet_end:
        raise DomainError("Quiet hours must start and end at different times.", "quiet_end")
    policy = settings.current()
    before = _policy(policy)
    policy.reminders_enabled, policy.reminder_offsets = enabled, list(offsets)
    policy.quiet_start_hour, policy.quiet_end_hour = quiet_start, quiet_end
    policy.fta_text_cosigners = fta_text_cosigners
    if not enabled:
        db.session.execute(
            update(Reminder)
            .where(Reminder.status == "pending")
            .values(status="cancelled", note="reminders turned off")
        )
    record("settings.reminders_changed", policy, before=before, after=_policy(policy), actor=by)
    wakeups.wake(wakeups.REMINDERS)
    db.session.commit()
    return policy


def _policy(policy) -> dict:
    return {
        "enabled": policy.reminders_enabled,
        "offsets": list(policy.reminder_offsets),
        "quiet": [policy.quiet_start_hour, policy.quiet_end_hour],
        "fta_text_cosigners": policy.fta_text_cosigners,
    }


def sample(language: str) -> str:
    """What a reminder looks like for this agency (for the settings page)."""
    court = utcnow().replace(hour=14, minute=30, second=0, microsecond=0)
    return texts.render(
        language,
        agency=require_tenant().name,
        name="Marcus",
        starts_at=court + timedelta(days=3),
        zone=require_tenant().timezone,
        court_name="County Courthouse",
        courtroom="4-2",
        address="",
        template=getattr(settings.current(), f"reminder_template_{language}") or None,
    )


def save_sender(sender: str, account_sid: str, auth_token: str, by, rate: float | None = None):
    """Set the agency's own sender, its rate in segments per second (None: by its kind) and
    account (a blank token keeps the stored one)."""

    policy = settings.current()
    if account_sid and not (auth_token or policy.twilio_auth_token_encrypted):
        raise DomainError("Enter the auth token of that account.", "twilio_auth_token")
    before = {
        "sender": policy.sms_sender,
        "account": policy.twilio_account_sid,
        "sender_rate": policy.sms_sender_rate,
    }
    policy.sms_sender, policy.twilio_account_sid = sender, account_sid
    policy.sms_sender_rate = rate if sender else None
    if not account_sid:
        policy.twilio_auth_token_encrypted = None
    elif auth_token:
        policy.twilio_auth_token_encrypted = encrypt("settings.twilio_auth_token", auth_token)
    record(
        "settings.sms_sender_changed",
        policy,
        before=before,
        after={
            "sender": sender,
            "account": account_sid,
            "sender_rate": policy.sms_sender_rate,
            "token_changed": bool(auth_token),
        },
        actor=by,
    )
    db.session.commit()


def wording_problems() -> dict[str, str]:
    """Why saved wording cannot be sent (it predates the checks), by form field."""
    policy = settings.current()
    problems = {}
    for field, text in (
        ("template_en", policy.reminder_template_en),
        ("template_es", policy.reminder_template_es),
    ):
        try:
            texts.check(text or "")
        except texts.TemplateError as exc:
            problems[field] = f"{exc} Until this is fixed, reminders use the standard wording."
    return problems


def save_wording(english: str, spanish: str, by) -> None:
    """Set the agency's own reminder wording ("" keeps the standard text)."""

    for field, text in (("template_en", english), ("template_es", spanish)):
        try:
            texts.check(text)
        except texts.TemplateError as exc:
            raise DomainError(str(exc), field) from None
    policy = settings.current()
    before = {"en": policy.reminder_template_en, "es": policy.reminder_template_es}
    policy.reminder_template_en, policy.reminder_template_es = english.strip(), spanish.strip()
    record(
        "settings.reminder_wording_changed",
        policy,
        before=before,
        after={"en": policy.reminder_template_en, "es": policy.reminder_template_es},
        actor=by,
    )
    db.session.commit()
