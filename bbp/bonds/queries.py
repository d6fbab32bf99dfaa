"""Read-side helpers for bond pages: lookups, search, the plan and the power choices."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from flask import abort
from sqlalchemy import Integer, String, any_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.search import ESCAPE, Search, Shape, condition
from bbp.payments.models import PaymentPlan
from bbp.powers.models import Power


def get(bond_id: int) -> Bond:
    """A bond of this agency, or 404."""
    return db.session.get(Bond, bond_id) or abort(404)


# The bond page reads every one of these; loaded with the bond rather than one by one. The
# charges come in the bond's own statement (a bond has a handful; one collection joined
# repeats the bond's columns per charge but saves a round trip); a second collection joined
# would multiply the rows, so the cosigners and history come by id, one statement each.
WHOLE = (
    joinedload(Bond.power),
    joinedload(Bond.charges),
    selectinload(Bond.cosigners),
    selectinload(Bond.history),
)


def whole(bond_id: int) -> Bond:
    """A bond of this agency with its power, charges, cosigners and history, or 404."""
    return db.session.get(Bond, bond_id, options=WHOLE) or abort(404)


BONDS, DEFENDANTS = Bond.__table__.c, Defendant.__table__.c

# Each sort ends in the bond's id, so the order is total: a page always holds the same rows.
SORTS = {
    "newest": lambda b, d: (b.id.desc(),),
    "oldest": lambda b, d: (b.id.asc(),),
    "bail": lambda b, d: (b.bail_amount.desc(), b.id.desc()),
    "defendant": lambda b, d: (d.last_name, d.first_name, b.id),
}


class Listed(NamedTuple):
    """A row of the bond list: what it shows and nothing else (plain tuples, since the template
    reads each field of 25 rows, and a Row's attribute costs several times a tuple's)."""

    id: int
    number: str
    status: str
    bail_amount: Decimal
    case_number: str
    court_name: str
    first_name: str
    last_name: str
    phone: str


def listing(query: str, status: str, sort: str, page: int, per_page: int) -> tuple[list, int]:
    """One page of the bonds matching a bond number, case number, defendant name or phone, and
    how many match in all, in one statement."""
    stmt, values = page_of(query, status, sort, page, per_page)
    rows = db.session.execute(stmt, values).all()
    if not rows and page > 1:
        # Past the last page no row carries the total: the first row of the first page does.
        rows_of_first = db.session.execute(stmt, values | {"limit": 1, "offset": 0}).all()
        return [], rows_of_first[0].total if rows_of_first else 0
    return [Listed._make(row[:-1]) for row in rows], rows[0].total if rows else 0


def page_of(query: str, status: str, sort: str, page: int, per_page: int) -> tuple:
    """The statement of a page of listing() (Listed's columns, then `total`) and its values."""
    found = Search.of(query)
    values = found.values if found else {}
    values |= {"status": status, "limit": per_page, "offset": (page - 1) * per_page}
    return _page(found.shape if found else None, bool(status), sort), values


@lru_cache(maxsize=256)
def _page(shape: Shape | None, status: bool, sort: str):
    """The statement of one page, built once per shape of search and reused with new values.

    The page is chosen from `bonds` alone (defendants joined first only to sort by name), then
    only its rows are joined to their defendants. A search counts what it finds with
    `count(*) OVER ()` in the same pass, so the matches are found once instead of twice; the
    whole list (or one status) counts with a subquery instead, since a window would read every
    bond where the page reads 25.
    """
    b, d = BONDS, DEFENDANTS
    if shape:
        total = func.count().over()
    else:
        total = select(func.count()).select_from(Bond.__table__).where(*_found(shape, status))
        total = total.scalar_subquery()
    shown = (b.id, b.number, b.status, b.bail_amount, b.case_number, b.court_name)
    chosen = select(*shown, b.defendant_id, total.label("total")).where(*_found(shape, status))
    if sort == "defendant":
        chosen = chosen.join(Defendant.__table__, d.id == b.defendant_id)
    chosen = (
        chosen.order_by(*SORTS[sort](b, d))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("chosen")
    )
    c = chosen.c
    return (
        select(*(c[col.name] for col in shown), d.first_name, d.last_name, d.phone, c.total)
        .join_from(chosen, Defendant.__table__, d.id == c.defendant_id)
        .order_by(*SORTS[sort](c, d))
    )


def _found(shape: Shape | None, status: bool) -> list:
    """The search's conditions, their values bound by name (Search.values and `status`).

    When the query can be looked up in the trigram indexes, the defendants matched are an array
    (`= ANY(ARRAY(…))`), not `IN (subquery)`: each arm of the OR then has an index (the trigram
    indexes on number and case number, the defendant key), so PostgreSQL combines bitmaps instead
    of filtering every bond. A shorter query ('a', 'jo') reads every bond anyway, and there the
    array would be compared element by element on each bond (thousands of defendants times
    every bond); `IN` hashes the defendants once.
    """
    b, d = BONDS, DEFENDANTS
    conditions = [b.status == bindparam("status", type_=String)] if status else []
    if shape is None:
        return conditions
    people = select(d.id).where(condition(shape, d.first_name, d.last_name, phone=d.phone))
    conditions.append(
        or_(
            b.number.ilike(bindparam("contains", type_=String), escape=ESCAPE),
            b.case_number.ilike(bindparam("prefix", type_=String), escape=ESCAPE),
            b.defendant_id == any_(func.array(people.scalar_subquery()))
            if shape.indexed
            else b.defendant_id.in_(people),
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
