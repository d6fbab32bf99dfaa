"""Who a portal visitor is: the defendants and cosigners on file with their verified contact."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import func, or_, select

from bbp.bonds.models import Bond, BondIndemnitor
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel import phones

MODELS = {"defendant": Defendant, "cosigner": Indemnitor}

Ref = dict[str, Any]  # {"kind": "defendant" | "cosigner", "id": 3}


def ref(person: Defendant | Indemnitor) -> Ref:
    """The reference a portal session keeps for a person row."""
    return {"kind": "defendant" if isinstance(person, Defendant) else "cosigner", "id": person.id}


def _matches(model, contact: str):
    if "@" in contact:
        return func.lower(model.email) == contact
    return model.phone == phones.from_e164(contact)


def people_for(contact: str) -> list[Ref]:
    """Every defendant and cosigner whose phone or email on file is this contact."""
    found = []
    for kind, model in MODELS.items():
        ids = db.session.scalars(
            select(model.id).where(_matches(model, contact)).order_by(model.id)
        )
        found += [{"kind": kind, "id": person_id} for person_id in ids]
    return found


def load(refs: list[Ref]) -> list[Defendant | Indemnitor]:
    """The person rows behind references (missing rows are skipped)."""
    rows = (db.session.get(MODELS[r["kind"]], r["id"]) for r in refs if r.get("kind") in MODELS)
    return [row for row in rows if row is not None]


def ids_of(refs: list[Ref], kind: str) -> list[int]:
    """The ids of one kind of person among references."""
    return [r["id"] for r in refs if r.get("kind") == kind]


def bonds_query(refs: list[Ref]):
    """Bonds on which any of these people is the defendant or a cosigner."""
    as_cosigner = select(BondIndemnitor.bond_id).where(
        BondIndemnitor.indemnitor_id.in_(ids_of(refs, "cosigner"))
    )
    return select(Bond).where(
        or_(Bond.defendant_id.in_(ids_of(refs, "defendant")), Bond.id.in_(as_cosigner))
    )


def bonds(refs: list[Ref]) -> list[Bond]:
    """The visitor's bonds, newest first."""
    query = bonds_query(refs).order_by(Bond.created_at.desc())
    return list(db.session.scalars(query).unique())


def bond_for(refs: list[Ref], bond_id: int) -> Bond:
    """One of the visitor's bonds, or 404 (someone else's bond looks exactly like none)."""
    bond = db.session.scalar(bonds_query(refs).where(Bond.id == bond_id))
    return bond or abort(404)


def role_on(refs: list[Ref], bond: Bond) -> str:
    """How the visitor is on this bond: "defendant" or "cosigner"."""
    return "defendant" if bond.defendant_id in ids_of(refs, "defendant") else "cosigner"


def covers(refs: list[Ref], person: Ref) -> bool:
    """Whether a session's references include this person."""
    return any(r.get("kind") == person["kind"] and r.get("id") == person["id"] for r in refs)
