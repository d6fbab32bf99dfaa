"""Read-side helpers for bond pages: lookups, search, the plan and the power choices."""

from __future__ import annotations

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

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


def search(query: str, status: str = "", sort: str = "newest"):
    """Bonds matching a bond number, case number, defendant name or phone, as a select.

    The defendant side is a subquery so its trigram indexes can serve it on a large book.
    """
    stmt = (
        select(Bond)
        .join(Bond.defendant)
        .options(contains_eager(Bond.defendant))
        .order_by(*SORTS.get(sort, SORTS["newest"]))
    )
    if status:
        stmt = stmt.where(Bond.status == status)
    people = matches(query, Defendant.first_name, Defendant.last_name, phone=Defendant.phone)
    if people is None:
        return stmt
    q = query.strip()
    return stmt.where(
        or_(
            Bond.number.icontains(q, autoescape=True),
            Bond.case_number.istartswith(q, autoescape=True),
            Bond.defendant_id.in_(select(Defendant.id).where(people)),
        )
    )


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
