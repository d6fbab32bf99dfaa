"""Power inventory rules: receive, assign, void, return, execute on a bond, expire, report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError

from bbp.audit.services import changes, record
from bbp.auth.models import User
from bbp.bonds.models import LIABLE, Bond
from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.kernel.clock import agency_date, agency_today, agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.powers.models import POWER_STATUSES, Power, PowerBatch, Surety

MAX_BATCH = 1_000
CENT = Decimal("0.01")
PREFIX = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,14}[A-Z0-9])?")
AUDITED = ("number", "status", "agent_id", "executed_at", "void_reason", "voided_at")
UNUSED = ("available", "assigned")


def money(amount: Decimal) -> str:
    """Dollars with cents and separators, e.g. $25,000.00."""
    return f"${amount:,.2f}"


@atomic
def create_surety(name: str, buf_rate: Decimal) -> Surety:
    """Add a surety company; the BUF rate is a fraction of each premium (0.10 = 10%)."""
    name = name.strip()
    if not name:
        raise DomainError("Enter the surety's name.", "name")
    if not Decimal("0") <= buf_rate < Decimal("1"):
        raise DomainError("Enter a percentage from 0 to less than 100.", "buf_rate")
    taken = f"{name} is already one of your sureties."
    if db.session.scalar(select(Surety.id).where(func.lower(Surety.name) == name.lower())):
        raise DomainError(taken, "name")
    surety = Surety(name=name, buf_rate=buf_rate, active=True)
    db.session.add(surety)
    try:
        db.session.flush()
    except IntegrityError:  # the same name added twice at the same moment
        db.session.rollback()
        raise DomainError(taken, "name") from None
    record("surety.created", surety, after=changes(surety, ("name", "buf_rate", "active")))
    return surety


@dataclass(frozen=True)
class BatchPreview:
    """What receiving a range would add, checked before anything is written."""

    prefix: str
    first_serial: int
    last_serial: int
    taken: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return self.last_serial - self.first_serial + 1

    @property
    def first_number(self) -> str:
        return f"{self.prefix}-{self.first_serial}"

    @property
    def last_number(self) -> str:
        return f"{self.prefix}-{self.last_serial}"

    def numbers(self) -> list[str]:
        return [f"{self.prefix}-{s}" for s in range(self.first_serial, self.last_serial + 1)]


def _taken_message(taken: tuple[str, ...] | list[str]) -> str:
    more = f" and {len(taken) - 1} more" if len(taken) > 1 else ""
    return f"Power {taken[0]}{more} already on file; these numbers overlap an earlier batch."


def preview_batch(prefix: str, first_serial: int, last_serial: int) -> BatchPreview:
    """Check a prefix and serial range: format, size (at most 1,000) and overlap."""
    prefix = prefix.strip().upper()
    if not PREFIX.fullmatch(prefix):
        raise DomainError("Use up to 16 letters, digits or inner hyphens, e.g. S25.", "prefix")
    if last_serial < first_serial:
        raise DomainError("The last serial must not be below the first.", "last_serial")
    preview = BatchPreview(prefix, first_serial, last_serial)
    if preview.count > MAX_BATCH:
        raise DomainError(
            f"A batch holds at most {MAX_BATCH:,} powers; this range has {preview.count:,}.",
            "last_serial",
        )
    taken = db.session.scalars(
        select(Power.number).where(Power.number.in_(preview.numbers())).order_by(Power.id)
    ).all()
    return BatchPreview(prefix, first_serial, last_serial, tuple(taken))


@atomic
def receive_batch(
    surety: Surety,
    prefix: str,
    first_serial: int,
    last_serial: int,
    denomination: Decimal,
    expires_on: date,
) -> PowerBatch:
    """Record a batch and one available power per serial, numbered PREFIX-SERIAL."""
    if not surety.active:
        raise DomainError(f"{surety.name} is not an active surety.", "surety_id")
    if denomination <= 0:
        raise DomainError("The denomination must be more than $0.00.", "denomination")
    if expires_on < agency_today():
        raise DomainError("These powers have already expired.", "expires_on")
    preview = preview_batch(prefix, first_serial, last_serial)
    if preview.taken:
        raise DomainError(_taken_message(preview.taken), "first_serial")
    batch = PowerBatch(
        surety_id=surety.id,
        prefix=preview.prefix,
        first_serial=first_serial,
        last_serial=last_serial,
        denomination=denomination,
        expires_on=expires_on,
    )
    db.session.add(batch)
    try:
        db.session.flush()
        rows = [
            {
                "batch_id": batch.id,
                "surety_id": surety.id,
                "number": number,
                "status": "available",
                "denomination": denomination,
                "expires_on": expires_on,
                "void_reason": "",
            }
            for number in preview.numbers()
        ]
        db.session.execute(insert(Power), rows)
    except IntegrityError:  # an overlapping batch received at the same moment
        db.session.rollback()
        raise DomainError(_taken_message(preview.numbers()[:1]), "first_serial") from None
    fields = ("surety_id", "prefix", "first_serial", "last_serial", "denomination", "expires_on")
    record("power.batch_received", batch, after=changes(batch, fields) | {"count": preview.count})
    wakeups.wake(wakeups.POWERS, _day_after(expires_on))
    return batch


def _locked(power_id: int) -> Power | None:
    """The power row, locked until this transaction ends, with its state read fresh."""
    return db.session.scalar(
        select(Power)
        .where(Power.id == power_id)
        .with_for_update(of=Power)
        .execution_options(populate_existing=True)
    )


def bond_number(power: Power) -> str | None:
    """The number of the bond an executed power backs."""
    return db.session.scalar(select(Bond.number).where(Bond.power_id == power.id))


def _used(power: Power) -> str:
    number = bond_number(power)
    on_bond = f" on bond {number}" if number else ""
    return f"Power {power.number} is already used{on_bond}."


def _refuse_unless_unused(power: Power, doing: str) -> None:
    """Only available or assigned powers (or expired ones, when returning) can change hands."""
    if power.status == "executed":
        raise DomainError(_used(power) + f" It cannot be {doing}.")
    if power.status == "voided":
        raise DomainError(f"Power {power.number} is voided. It cannot be {doing}.")
    if power.status == "returned":
        raise DomainError(f"Power {power.number} was returned to {power.surety.name}.")


def _transition(power: Power, action: str, **values) -> Power:
    before = changes(power, AUDITED)
    for name, value in values.items():
        setattr(power, name, value)
    record(action, power, before=before, after=changes(power, AUDITED))
    return power


@atomic
def assign(power: Power, agent: User | None) -> Power:
    """Hand an available (or reassign an assigned) power to an active agent or above."""
    power = _locked(power.id)
    _refuse_unless_unused(power, "assigned")
    if power.status == "expired" or power.expires_on < agency_today():
        raise DomainError(f"Power {power.number} expired on {power.expires_on:%b %-d, %Y}.")
    if agent is None or not agent.active or agent.pending or not agent.has_role("agent"):
        raise DomainError("Choose an active agent, manager, admin or owner.", "agent_id")
    return _transition(power, "power.assigned", status="assigned", agent_id=agent.id)


@atomic
def unassign(power: Power) -> Power:
    """Take an assigned power back into the office's available stock."""
    power = _locked(power.id)
    if power.status != "assigned":
        raise DomainError(f"Power {power.number} is not assigned to anyone.")
    return _transition(power, "power.unassigned", status="available", agent_id=None)


@atomic
def return_to_surety(power: Power) -> Power:
    """Send an unused (or expired) power back to its surety."""
    power = _locked(power.id)
    _refuse_unless_unused(power, "returned")
    return _transition(power, "power.returned", status="returned")


@atomic
def void(power: Power, reason: str) -> Power:
    """Void an unused power with a reason; executed powers are dealt with on their bond."""
    power = _locked(power.id)
    reason = (reason or "").strip()
    _refuse_unless_unused(power, "voided here")
    if not reason:
        raise DomainError(f"Give a reason for voiding power {power.number}.", "reason")
    return _transition(
        power, "power.voided", status="voided", void_reason=reason, voided_at=utcnow()
    )


def _refusal(power: Power, bond: Bond, by: User) -> str | None:
    """Why this power cannot back this bond, or None."""
    n = power.number
    if power.status == "executed":
        return _used(power)
    if power.status == "voided":
        return f"Power {n} was voided ({power.void_reason}); it cannot back a bond."
    if power.status == "returned":
        return f"Power {n} was returned to {power.surety.name}; it cannot back a bond."
    if power.status == "expired" or power.expires_on < agency_today():
        return f"Power {n} expired on {power.expires_on:%b %-d, %Y}."
    if power.denomination < bond.bail_amount:
        covers, bail = money(power.denomination), money(bond.bail_amount)
        return f"Power {n} covers up to {covers}; this bond is {bail}."
    if power.agent_id not in (None, by.id) and not by.has_role("manager"):
        return f"Power {n} is assigned to another agent; ask a manager to reassign it."
    if bond.power_id is not None:
        return f"Bond {bond.number} already has a power."
    return None


def execute(power_id: int, bond: Bond, by: User) -> Power:
    """Use a power on a bond being written; locks the row and does NOT commit.

    The bond-writing service calls this inside its own transaction and commits once, so the
    power, the bond and both audit entries are saved together or not at all. Refusals raise
    DomainError on the `power_id` field; roll back after one.
    """
    power = _locked(power_id)
    if power is None:
        raise DomainError("There is no such power.", "power_id")
    reason = _refusal(power, bond, by)
    if reason:
        raise DomainError(reason, "power_id")
    before = changes(power, AUDITED)
    power.status, power.executed_at = "executed", utcnow()
    power.agent_id = power.agent_id or by.id
    bond.power_id, bond.surety_id = power.id, power.surety_id
    bond.buf_amount = (bond.premium * power.surety.buf_rate).quantize(CENT, ROUND_HALF_UP)
    after = changes(power, AUDITED) | {"bond": bond.number, "buf_amount": str(bond.buf_amount)}
    record("power.executed", power, before=before, after=after, actor=by)
    return power


def expire_overdue(today: date | None = None) -> int:
    """Mark available and assigned powers past their date as expired; returns how many."""
    today = today or agency_today()
    overdue = db.session.scalars(
        select(Power)
        .where(Power.status.in_(UNUSED), Power.expires_on < today)
        .order_by(Power.id)
        .with_for_update(of=Power, skip_locked=True)
    ).all()
    for power in overdue:
        before = changes(power, AUDITED)
        power.status = "expired"
        record("power.expired", power, before=before, after=changes(power, AUDITED))
    db.session.commit()
    return len(overdue)


def _day_after(day: date) -> datetime:
    """The first moment (agency time) a power dated `day` counts as expired."""
    return datetime.combine(day + timedelta(days=1), time(), agency_zone())


def next_expiry(now: datetime) -> datetime | None:
    """When the next unused power expires (for the scheduler), if any is left to expire."""
    soonest = db.session.scalar(
        select(func.min(Power.expires_on)).where(
            Power.status.in_(UNUSED), Power.expires_on >= agency_date(now)
        )
    )
    return _day_after(soonest) if soonest else None


@dataclass
class SuretyReport:
    """One surety's powers by status, and what its executed powers carry."""

    surety: Surety
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POWER_STATUSES, 0))
    liability: Decimal = Decimal("0.00")
    buf: Decimal = Decimal("0.00")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def report(surety_id: int | None = None) -> list[SuretyReport]:
    """Per surety: counts by status, executed liability (bail amounts) and build-up fund."""
    sureties = select(Surety).order_by(Surety.name)
    if surety_id is not None:
        sureties = sureties.where(Surety.id == surety_id)
    rows = {s.id: SuretyReport(s) for s in db.session.scalars(sureties)}
    counts = select(Power.surety_id, Power.status, func.count()).group_by(
        Power.surety_id, Power.status
    )
    for sid, status, count in db.session.execute(counts.where(Power.surety_id.in_(list(rows)))):
        rows[sid].counts[status] = count
    sums = (
        select(
            Power.surety_id,
            # Liability: bonds still at risk (a discharged bond no longer binds the surety);
            # the build-up fund accrues on every premium written.
            func.coalesce(func.sum(Bond.bail_amount).filter(Bond.status.in_(LIABLE)), 0),
            func.sum(Bond.buf_amount),
        )
        .join(Bond, Bond.power_id == Power.id)
        .where(Power.status == "executed", Power.surety_id.in_(list(rows)))
        .group_by(Power.surety_id)
    )
    for sid, liability, buf in db.session.execute(sums):
        rows[sid].liability, rows[sid].buf = liability, buf
    return list(rows.values())


def listing(surety_id: int | None = None):
    """Every power with its surety, bond number and agent: executed, voided, then unexecuted."""
    bucket = case((Power.status == "executed", 0), (Power.status == "voided", 1), else_=2)
    query = (
        select(Power, Bond.number, User)
        .join(Power.surety)
        .outerjoin(Bond, Bond.power_id == Power.id)
        .outerjoin(User, User.id == Power.agent_id)
        .order_by(Surety.name, bucket, Power.id)
    )
    if surety_id is not None:
        query = query.where(Power.surety_id == surety_id)
    return db.session.execute(query).all()


def search(q: str = "", status: str = "", surety_id: int | None = None):
    """Powers matching a number fragment, a status and a surety, as a select."""
    query = select(Power).order_by(Power.id)
    if q:
        query = query.where(Power.number.icontains(q.strip(), autoescape=True))
    if status in POWER_STATUSES:
        query = query.where(Power.status == status)
    if surety_id is not None:
        query = query.where(Power.surety_id == surety_id)
    return query


def bond_numbers(powers: list[Power]) -> dict[int, str]:
    """Bond number per power id, for the executed powers among these."""
    ids = [p.id for p in powers if p.status == "executed"]
    if not ids:
        return {}
    query = select(Bond.power_id, Bond.number).where(Bond.power_id.in_(ids))
    return {power_id: number for power_id, number in db.session.execute(query)}


def assignable_staff() -> list[User]:
    """Staff who may carry powers: active, joined, agent role or above."""
    users = db.session.scalars(
        select(User).where(User.active, User.password_hash.is_not(None)).order_by(User.name)
    )
    return [u for u in users if u.has_role("agent")]


def staff_names() -> dict[int, str]:
    """Display name per staff id, including people since deactivated."""
    return {u.id: u.name or u.email for u in db.session.scalars(select(User))}
