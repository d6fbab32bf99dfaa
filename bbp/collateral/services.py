"""Collateral rules: receive with a numbered receipt, the return clock, returns, due lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload

from bbp.audit.services import changes, record
from bbp.auth.models import User
from bbp.bonds.models import LIABLE, Bond
from bbp.collateral.models import KINDS, Collateral
from bbp.extensions import db
from bbp.kernel.clock import local, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.numbering import next_number
from bbp.kernel.transactions import atomic
from bbp.settings import services as settings

FIELDS = ("receipt_number", "kind", "description", "value", "pledged_by", "return_due_on")
FILTERS = {
    "held": "All held",
    "due": "Due for return",
    "overdue": "Overdue",
    "returned": "Returned",
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DueReturn:
    """Held collateral whose return deadline is near or past."""

    collateral: Collateral
    overdue: bool

    @property
    def due_on(self) -> date:
        return self.collateral.return_due_on


def _check(kind: str, description: str, value: Decimal) -> None:
    if kind not in KINDS:
        raise DomainError("Choose the type of collateral.", "kind")
    if not description.strip():
        raise DomainError("Describe the collateral.", "description")
    if value < 0:
        raise DomainError("The value cannot be negative.", "value")
    if value != value.quantize(CENT):
        raise DomainError("Amounts cannot include fractions of a cent.", "value")


@atomic
def receive(
    bond: Bond, kind: str, description: str, value: Decimal, pledged_by: str, by
) -> Collateral:
    """Take collateral against a bond and issue the next receipt number."""
    _check(kind, description, value)
    collateral = Collateral(
        bond_id=bond.id,
        receipt_number=f"C-{next_number('collateral'):06d}",
        kind=kind,
        description=description.strip(),
        value=value,
        pledged_by=pledged_by.strip(),
        received_at=utcnow(),
        received_by_id=by.id,
    )
    db.session.add(collateral)
    db.session.flush()
    if bond.discharged_on:  # received after discharge: the clock is already running
        start_return_clock(bond)
    record("collateral.received", collateral, after=changes(collateral, FIELDS))
    return collateral


def start_return_clock(bond: Bond) -> list[Collateral]:
    """Set return deadlines from the discharge date; no commit: the caller's transaction owns it.

    The bond service calls this when it discharges a bond, inside its own transaction.
    """
    due = bond.discharged_on + timedelta(days=settings.current().collateral_return_days)
    started = db.session.scalars(
        select(Collateral).where(
            Collateral.bond_id == bond.id,
            Collateral.returned_at.is_(None),
            Collateral.return_due_on.is_(None),
        )
    ).all()
    for collateral in started:
        collateral.return_due_on = due
        record("collateral.return_clock_started", collateral, after={"return_due_on": str(due)})
    return list(started)


@atomic
def mark_returned(collateral: Collateral, returned_to: str, by) -> Collateral:
    """Record who took the collateral back, when, and which staff member handed it over."""
    # Two clerks returning the same item: the second waits, then sees the first's return.
    db.session.execute(
        select(Collateral.id).where(Collateral.id == collateral.id).with_for_update()
    )
    db.session.refresh(collateral)
    if not collateral.held:
        when = local(collateral.returned_at)
        raise DomainError(
            f"Receipt {collateral.receipt_number} was already returned to "
            f"{collateral.returned_to or 'someone'} on {when:%b %-d, %Y}."
        )
    if collateral.bond.status in LIABLE:
        raise DomainError(
            f"Bond {collateral.bond.number} is still {collateral.bond.status_label.lower()}: "
            "collateral goes back once the bond is discharged."
        )
    if not returned_to.strip():
        raise DomainError("Enter who took the collateral back.", "returned_to")
    collateral.returned_at, collateral.returned_by_id = utcnow(), by.id
    collateral.returned_to = returned_to.strip()
    record("collateral.returned", collateral, after={"returned_to": collateral.returned_to})
    return collateral


def due_for_return(today: date, within_days: int = 7) -> list[DueReturn]:
    """Held collateral due back within `within_days` days or overdue, soonest first."""
    rows = db.session.scalars(
        select(Collateral)
        .where(
            Collateral.returned_at.is_(None),
            Collateral.return_due_on <= today + timedelta(days=within_days),
        )
        .order_by(Collateral.return_due_on, Collateral.id)
    ).all()
    return [DueReturn(c, c.return_due_on < today) for c in rows]


def of_bond(bond: Bond) -> list[Collateral]:
    """A bond's collateral in the order it was received."""
    # The bond is already loaded: no join back to it (and its defendant) for every item.
    stmt = select(Collateral).options(lazyload(Collateral.bond))
    stmt = stmt.where(Collateral.bond_id == bond.id)
    return list(db.session.scalars(stmt.order_by(Collateral.id)))


def listing(show: str, today: date) -> Select:
    """Collateral for the list page under one of FILTERS, as a select."""
    stmt = select(Collateral)
    if show == "returned":
        return stmt.where(Collateral.returned_at.is_not(None)).order_by(
            Collateral.returned_at.desc(), Collateral.id.desc()
        )
    stmt = stmt.where(Collateral.returned_at.is_(None))
    if show == "due":
        stmt = stmt.where(Collateral.return_due_on.is_not(None))
    elif show == "overdue":
        stmt = stmt.where(Collateral.return_due_on < today)
    return stmt.order_by(Collateral.return_due_on.asc().nulls_last(), Collateral.id.desc())


def staff_name(user_id: int | None) -> str:
    """The name (or email) of a staff member, for receipts."""
    user = db.session.get(User, user_id) if user_id else None
    return (user.name or user.email) if user else "—"
