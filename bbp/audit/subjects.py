"""What audit entries point at, named for people: "Ray Doe's bond B-000012", one query per kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.checkins.models import CheckIn, CheckInSchedule
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate, Forfeiture
from bbp.defendants.models import Defendant
from bbp.documents.models import DocumentRequest
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.payments.models import Payment
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.signatures.models import SignatureRequest


@dataclass(frozen=True)
class Subject:
    """A name to put in a sentence, and the page that shows the thing, if any."""

    label: str
    url: str | None = None


def _rows(model, ids: set[int]) -> list:
    return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def _bond_subject(bond: Bond | None) -> Subject | None:
    if bond is None:
        return None
    label = f"{bond.defendant.full_name}'s bond {bond.number}"
    return Subject(label, url_for("bonds.show", bond_id=bond.id))


def _bonds(ids: set[int]) -> dict[int, Subject]:
    return {b.id: _bond_subject(b) for b in _rows(Bond, ids)}


def _on_bond(model, ids: set[int], name: Callable) -> dict[int, Subject]:
    """Things that belong to a bond: their own name, then the bond's."""
    return on_bonds(_rows(model, ids), lambda row: row.bond_id, name)


def on_bonds(rows: list, bond_of: Callable, name: Callable) -> dict[int, Subject]:
    """Rows named by their own name (if any) on the bond `bond_of(row)` gives."""
    bonds = _bonds({bond_of(r) for r in rows if bond_of(r)})
    found = {}
    for row in rows:
        bond = bonds.get(bond_of(row))
        own = name(row)
        if bond is None:
            found[row.id] = Subject(own or "a deleted bond")
        else:
            found[row.id] = Subject(f"{own} on {bond.label}" if own else bond.label, bond.url)
    return found


def _defendants(ids: set[int]) -> dict[int, Subject]:
    return {
        d.id: Subject(f"defendant {d.full_name}", url_for("defendants.show", defendant_id=d.id))
        for d in _rows(Defendant, ids)
    }


def _indemnitors(ids: set[int]) -> dict[int, Subject]:
    return {
        i.id: Subject(f"cosigner {i.full_name}", url_for("indemnitors.show", indemnitor_id=i.id))
        for i in _rows(Indemnitor, ids)
    }


def _of_defendant(model, ids: set[int]) -> dict[int, Subject]:
    rows = _rows(model, ids)
    people = _defendants({r.defendant_id for r in rows})
    return {r.id: people[r.defendant_id] for r in rows if r.defendant_id in people}


def _requests(ids: set[int]) -> dict[int, Subject]:
    rows = _rows(DocumentRequest, ids)
    people = _defendants({r.defendant_id for r in rows if r.defendant_id})
    cosigners = _indemnitors({r.indemnitor_id for r in rows if r.indemnitor_id})
    found = {}
    for r in rows:
        person = people.get(r.defendant_id) or cosigners.get(r.indemnitor_id)
        what = r.doc_type.replace("_", " ")
        found[r.id] = Subject(
            f"{what} from {person.label}" if person else what, getattr(person, "url", None)
        )
    return found


LOADERS: dict[str, Callable[[set[int]], dict[int, Subject]]] = {
    "bond": _bonds,
    "defendant": _defendants,
    "indemnitor": _indemnitors,
    "user": lambda ids: {u.id: Subject(u.name or u.email) for u in _rows(User, ids)},
    "payment": lambda ids: _on_bond(Payment, ids, lambda p: f"receipt {p.receipt_number}"),
    "courtdate": lambda ids: _on_bond(CourtDate, ids, lambda d: ""),
    "forfeiture": lambda ids: _on_bond(Forfeiture, ids, lambda f: ""),
    "collateral": lambda ids: _on_bond(Collateral, ids, lambda c: f"collateral {c.receipt_number}"),
    "signaturerequest": lambda ids: _on_bond(
        SignatureRequest, ids, lambda r: f"the {r.title} for {r.signer_name}"
    ),
    "power": lambda ids: {p.id: Subject(f"power {p.number}") for p in _rows(Power, ids)},
    "powerbatch": lambda ids: {
        b.id: Subject(f"{b.surety.name}, {b.prefix} {b.first_serial} to {b.last_serial}")
        for b in _rows(PowerBatch, ids)
    },
    "surety": lambda ids: {s.id: Subject(s.name) for s in _rows(Surety, ids)},
    "checkin": lambda ids: _of_defendant(CheckIn, ids),
    "checkinschedule": lambda ids: _of_defendant(CheckInSchedule, ids),
    "documentrequest": _requests,
}


def register(kind: str, loader: Callable[[set[int]], dict[int, Subject]]) -> None:
    """Name a higher layer's rows (the merchant's autopay and refunds) in the log's sentences."""
    LOADERS[kind] = loader


# Targets named by their values instead (settings rows, tokens, the agency itself).
UNNAMED = {
    "agencysettings": "the agency settings",
    "import": "a CSV file",
    "message": "a text",
    "documenttemplate": "a document template",
    "tenant": "the agency",
    "platformadmin": "a platform admin",
}


class Subjects:
    """Every subject a page of entries names, loaded with one query per kind."""

    def __init__(self, wanted: Iterable[tuple[str, str | int | None]]):
        ids: dict[str, set[int]] = {}
        for kind, raw in wanted:
            if kind in LOADERS and str(raw).isdigit() and int(raw) < 2**31:
                ids.setdefault(kind, set()).add(int(raw))
        self.found = {kind: LOADERS[kind](wanted_ids) for kind, wanted_ids in ids.items()}

    def get(self, kind: str | None, raw: str | int | None) -> Subject | None:
        """The subject, or None when it is unknown, deleted or not named by a row."""
        if kind in UNNAMED:
            return Subject(UNNAMED[kind])
        if kind not in self.found or not str(raw).isdigit():
            return None
        return self.found[kind].get(int(raw))
