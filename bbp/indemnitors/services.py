"""Cosigner records: create and edit with audit, search, and the bonds each one guarantees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bbp.audit.services import changes, record

# A module import: bbp.bonds.models imports Indemnitor, so its names resolve at call time.
from bbp.bonds import models as bonds
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel import wakeups
from bbp.kernel.records import copy_fields, text_preferences
from bbp.kernel.search import matches
from bbp.kernel.transactions import atomic

FIELDS = (
    "language",
    "reminders_opt_out",
    "first_name",
    "last_name",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "housing",
    "employer",
    "employer_phone",
    "monthly_income",
    "notes",
)


@atomic
def save(indemnitor: Indemnitor | None, data: dict[str, Any]) -> Indemnitor:
    """Create or update a cosigner; blank text becomes "", a blank income stays unknown."""
    created = indemnitor is None
    indemnitor = indemnitor or Indemnitor()
    before = None if created else changes(indemnitor, FIELDS)
    copy_fields(indemnitor, data, FIELDS, nullable=("monthly_income",))
    text_preferences(indemnitor)
    db.session.add(indemnitor)
    db.session.flush()
    if not created:
        wakeups.wake(wakeups.REMINDERS)  # a phone or opt-out may change who is reminded
    record(
        "indemnitor.created" if created else "indemnitor.updated",
        indemnitor,
        before=before,
        after=changes(indemnitor, FIELDS),
    )
    return indemnitor


def search(query: str):
    """Cosigners whose name, phone or email matches, as a select."""
    stmt = select(Indemnitor).order_by(Indemnitor.last_name, Indemnitor.first_name, Indemnitor.id)
    condition = matches(
        query,
        Indemnitor.first_name,
        Indemnitor.last_name,
        prefix=(Indemnitor.email,),
        phone=Indemnitor.phone,
    )
    return stmt if condition is None else stmt.where(condition)


def bond_counts(indemnitors: list[Indemnitor]) -> dict[int, int]:
    """How many bonds each of these cosigners is on (one query for a whole page)."""
    ids = [i.id for i in indemnitors]
    if not ids:
        return {}
    rows = db.session.execute(
        select(bonds.BondIndemnitor.indemnitor_id, func.count())
        .where(bonds.BondIndemnitor.indemnitor_id.in_(ids))
        .group_by(bonds.BondIndemnitor.indemnitor_id)
    )
    return dict(rows.all())


def bonds_of(indemnitor: Indemnitor) -> list[tuple[bonds.Bond, str]]:
    """The bonds this cosigner guarantees, newest first, each with the relationship given."""
    stmt = (
        select(bonds.Bond, bonds.BondIndemnitor.relationship_to_defendant)
        .join(bonds.BondIndemnitor, bonds.BondIndemnitor.bond_id == bonds.Bond.id)
        .where(bonds.BondIndemnitor.indemnitor_id == indemnitor.id)
        .order_by(bonds.Bond.created_at.desc(), bonds.Bond.id.desc())
    )
    return list(db.session.execute(stmt).all())
