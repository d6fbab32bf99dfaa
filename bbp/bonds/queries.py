"""Read-side helpers for bond pages: lookups, search, the plan and the power choices."""

from __future__ import annotations

from flask import abort
from sqlalchemy import any_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload

from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.search import matches
from bbp.payments.models import PaymentPlan
from bbp.powers.models import Power


def get(bond_id: int) -> Bond:
    """A bond of this agency, or 404."""
    return db.session.get(Bond, bond_id) or abort(404)


# The bond page reads every one of these; loaded with the bond rather than one by one.
WHOLE = (
    joinedload(Bond.power),
    selectinload(Bond.charges),
    selectinload(Bond.cosigners),
    selectinload(Bond.history),
)


def whole(bond_id: int) -> Bond:
    """A bond of this agency with its power, charges, cosigners and history, or 404."""
    return db.session.get(Bond, bond_id, options=WHOLE) or abort(404)


SORTS = {
    "newest": (Bond.id.desc(),),
    "oldest": (Bond.id.asc(),),
    "bail": (Bond.bail_amount.desc(), Bond.id.desc()),
    "defendant": (Defendant.last_name, Defendant.first_name, Bond.id),
}


# What a row of the bond list shows; reading any other column would cost a query per row (the
# query-count tests in tests/bonds would fail), so a template change must add it here.
LISTED = (
    load_only(Bond.number, Bond.status, Bond.bail_amount, Bond.case_number, Bond.court_name),
    contains_eager(Bond.defendant).load_only(
        Defendant.first_name, Defendant.last_name, Defendant.phone
    ),
)


def search(query: str, status: str = "", sort: str = "newest"):
    """Bonds matching a bond number, case number, defendant name or phone, as a select of the
    columns the list shows."""
    return (
        select(Bond)
        .join(Bond.defendant)
        .options(*LISTED)
        .where(*_found(query, status))
        .order_by(*SORTS.get(sort, SORTS["newest"]))
    )


def counting(query: str, status: str = ""):
    """The count of what search() finds, from the bonds table alone (every bond has its
    defendant, so the join would add nothing but work)."""
    return select(func.count()).select_from(Bond).where(*_found(query, status))


def count(query: str, status: str = "") -> int:
    """How many bonds search() finds."""
    return db.session.scalar(counting(query, status))


def _found(query: str, status: str) -> list:
    """The search's conditions.

    The defendants matched are an array (`= ANY(ARRAY(…))`), not `IN (subquery)`: each arm of the
    OR then has an index (two trigram indexes and the defendant key), so PostgreSQL combines
    bitmaps instead of filtering every bond (a count at 10,000 bonds: 7-9 ms down to under 1).
    """
    conditions = [Bond.status == status] if status else []
    people = matches(query, Defendant.first_name, Defendant.last_name, phone=Defendant.phone)
    if people is None:
        return conditions
    q = query.strip()
    defendants = func.array(select(Defendant.id).where(people).scalar_subquery())
    conditions.append(
        or_(
            Bond.number.icontains(q, autoescape=True),
            Bond.case_number.istartswith(q, autoescape=True),
            Bond.defendant_id == any_(defendants),
        )
    )
    return conditions


def plan_of(bond: Bond) -> PaymentPlan | None:
    """The bond's payment plan with its installments, if it has one."""
    stmt = (
        select(PaymentPlan)
        .where(PaymentPlan.bond_id == bond.id)
        .options(joinedload(PaymentPlan.instalments))
    )
    return db.session.scalars(stmt).unique().first()


def usable_powers(bond: Bond, user, today) -> list:
    """Powers this user may execute on this bond: big enough, not expired, not used."""

    stmt = (
        select(Power)
        .where(
            Power.status.in_(("available", "assigned")),
            Power.expires_on >= today,
            Power.denomination >= bond.bail_amount,
        )
        .order_by(Power.denomination, Power.number)
    )
    if not user.has_role("manager"):
        stmt = stmt.where(or_(Power.agent_id == user.id, Power.agent_id.is_(None)))
    return db.session.scalars(stmt.limit(200)).all()


def lock(bond: Bond) -> Bond:
    """Lock the bond row for this transaction and reload it, so concurrent changes queue up."""
    db.session.execute(select(Bond.id).where(Bond.id == bond.id).with_for_update())
    db.session.refresh(bond)
    return bond
