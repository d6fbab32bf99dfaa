"""Court dates: schedule, record outcomes, open forfeitures on a failure to appear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from bbp.audit.services import changes, record
from bbp.bonds.models import Bond, BondStatusChange
from bbp.courts import forfeiture as rules
from bbp.courts import fta_notice
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.kernel.clock import agency_date, agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.messaging import services as messaging
from bbp.settings import services as settings
from bbp.tenancy import require_tenant

FIELDS = ("starts_at", "court_name", "courtroom", "address", "kind", "notes")
FORFEITABLE = ("written", "active", "reinstated")
CLOSED = ("exonerated", "cancelled", "remitted", "judgment_paid")


@dataclass(frozen=True)
class CourtDateInput:
    """A court date as typed: local wall-clock time in the agency's zone."""

    starts_local: datetime
    court_name: str
    courtroom: str
    address: str
    kind: str
    notes: str


def _apply(court_date: CourtDate, data: CourtDateInput) -> None:
    court_date.starts_at = data.starts_local.replace(tzinfo=agency_zone())
    court_date.court_name, court_date.courtroom = data.court_name, data.courtroom
    court_date.address, court_date.kind, court_date.notes = data.address, data.kind, data.notes


def _require_open(bond: Bond) -> None:
    if bond.status in CLOSED:
        raise DomainError(
            f"Bond {bond.number} is {bond.status_label.lower()}: it has no more court dates."
        )


@atomic
def schedule(bond: Bond, data: CourtDateInput) -> CourtDate:
    """Add a court date to a bond."""
    _require_open(bond)
    court_date = CourtDate(bond_id=bond.id)
    _apply(court_date, data)
    db.session.add(court_date)
    db.session.flush()
    record("court_date.scheduled", court_date, after=changes(court_date, FIELDS))
    wakeups.wake(wakeups.REMINDERS)  # plan its reminders at the next tick
    return court_date


@atomic
def reschedule(court_date: CourtDate, data: CourtDateInput) -> CourtDate:
    """Change a court date that has no outcome yet."""
    if court_date.outcome:
        raise DomainError("This court date already has an outcome; add a new date instead.")
    _require_open(court_date.bond)
    before = changes(court_date, FIELDS)
    _apply(court_date, data)
    record("court_date.rescheduled", court_date, before=before, after=changes(court_date, FIELDS))
    wakeups.wake(wakeups.REMINDERS)  # replan its reminders at the next tick
    return court_date


def record_outcome(
    court_date: CourtDate,
    outcome: str,
    by,
    *,
    continued_to: datetime | None = None,
    confirmed: bool = False,
    notice_mailed_on: date | None = None,
) -> CourtDate:
    """Appeared, continued to a new date, or failed to appear (which forfeits the bond)."""
    if court_date.outcome:
        raise DomainError("This court date already has an outcome.")
    _require_open(court_date.bond)
    if outcome == "failed_to_appear" and court_date.bond.status not in FORFEITABLE:
        raise DomainError(
            f"Bond {court_date.bond.number} is "
            f"{court_date.bond.status_label.lower()}: only a written or active "
            "bond can be forfeited.",
            "outcome",
        )
    if outcome == "continued" and continued_to is None:
        raise DomainError("Enter the new court date.", "continued_to")
    if outcome == "failed_to_appear" and not confirmed:
        raise DomainError("Confirm the failure to appear: it forfeits the bond.", "confirm")
    court_date.outcome, court_date.outcome_recorded_at = outcome, utcnow()
    if outcome == "continued":
        follow_up = CourtDate(
            created_at=court_date.outcome_recorded_at,  # one moment, so the timeline keeps order
            bond_id=court_date.bond_id,
            court_name=court_date.court_name,
            courtroom=court_date.courtroom,
            address=court_date.address,
            kind=court_date.kind,
            starts_at=continued_to.replace(tzinfo=agency_zone()),
        )
        db.session.add(follow_up)
        db.session.flush()
        court_date.continued_to_id = follow_up.id
    texts: list[int] = []
    if outcome == "failed_to_appear":
        _forfeit(court_date, by, notice_mailed_on)
        texts = fta_notice.tell(court_date)
    record("court_date.outcome", court_date, after={"outcome": outcome})
    wakeups.wake(wakeups.REMINDERS)  # cancel its reminders, plan a continued date's
    db.session.commit()  # the agent's email goes to a worker with it
    if texts:
        messaging.dispatch()
    return court_date


def _forfeit(court_date: CourtDate, by, notice_mailed_on: date | None) -> None:
    bond = court_date.bond
    forfeited_on = agency_date(court_date.starts_at)
    if notice_mailed_on and notice_mailed_on < forfeited_on:
        raise DomainError("The notice cannot be mailed before the forfeiture.", "notice_mailed_on")
    db.session.add(
        Forfeiture(
            bond_id=bond.id,
            court_date_id=court_date.id,
            forfeited_on=forfeited_on,
            notice_mailed_on=notice_mailed_on,
            state=require_tenant().state or "",
        )
    )
    if bond.status in FORFEITABLE:
        before, bond.status = bond.status, "forfeited"
        db.session.add(
            BondStatusChange(
                bond=bond,
                from_status=before,
                to_status="forfeited",
                reason=f"Failed to appear on {forfeited_on:%b %-d, %Y}",
                changed_by_id=by.id,
                changed_by_label=by.email,
                changed_at=court_date.outcome_recorded_at,  # the outcome's moment: see timeline
            )
        )
        record(
            "bond.status_changed",
            bond,
            before={"status": before},
            after={"status": "forfeited", "reason": "failure to appear"},
        )


def open_forfeiture(bond: Bond, on: date) -> None:
    """A bond forfeited by hand gets its forfeiture (and deadlines) unless one is open."""
    already = db.session.scalar(
        select(Forfeiture.id).where(Forfeiture.bond_id == bond.id, Forfeiture.resolved_on.is_(None))
    )
    if already is None:
        db.session.add(
            Forfeiture(bond_id=bond.id, forfeited_on=on, state=require_tenant().state or "")
        )


def resolve_forfeitures(bond: Bond, on: date) -> None:
    """Reinstated, remitted or paid: the bond's open forfeitures stop raising alerts."""
    for forfeiture in db.session.scalars(
        select(Forfeiture).where(Forfeiture.bond_id == bond.id, Forfeiture.resolved_on.is_(None))
    ):
        forfeiture.resolved_on = on


@atomic
def set_notice_mailed(forfeiture: Forfeiture, mailed_on: date) -> Forfeiture:
    """Record when the court mailed the forfeiture notice (deadlines become exact)."""
    if mailed_on < forfeiture.forfeited_on:
        raise DomainError("The notice cannot be mailed before the forfeiture.", "notice_mailed_on")
    before = {"notice_mailed_on": str(forfeiture.notice_mailed_on)}
    forfeiture.notice_mailed_on = mailed_on
    record(
        "forfeiture.notice_recorded",
        forfeiture,
        before=before,
        after={"notice_mailed_on": str(mailed_on)},
    )
    return forfeiture


def deadlines(forfeiture: Forfeiture) -> list[rules.Deadline]:
    """The deadlines of one forfeiture under the agency's state rules and overrides."""
    overrides = settings.current().forfeiture_overrides or None
    try:
        return rules.deadlines(
            forfeiture.state, forfeiture.forfeited_on, forfeiture.notice_mailed_on, overrides
        )
    except ValueError:  # overrides written for another state: fall back to the statute
        return rules.deadlines(
            forfeiture.state, forfeiture.forfeited_on, forfeiture.notice_mailed_on
        )


def of_bond(bond: Bond) -> tuple[list[CourtDate], list[Forfeiture]]:
    """A bond's court dates (soonest first) and forfeitures."""
    # The bond is already loaded: no join back to it (and its defendant) for every row.
    dates = db.session.scalars(
        select(CourtDate)
        .options(lazyload(CourtDate.bond))
        .where(CourtDate.bond_id == bond.id)
        .order_by(CourtDate.starts_at)
    ).all()
    forfeitures = db.session.scalars(
        select(Forfeiture)
        .options(lazyload(Forfeiture.bond))
        .where(Forfeiture.bond_id == bond.id)
        .order_by(Forfeiture.id)
    ).all()
    return list(dates), list(forfeitures)


def between(start: date, days: int) -> list[CourtDate]:
    """Court dates from the start of `start` for `days` days, in the agency's zone."""
    begin = datetime.combine(start, datetime.min.time(), agency_zone())
    return list(
        db.session.scalars(
            select(CourtDate)
            .where(CourtDate.starts_at >= begin, CourtDate.starts_at < begin + timedelta(days=days))
            .order_by(CourtDate.starts_at)
        )
    )
