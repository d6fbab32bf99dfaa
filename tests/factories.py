"""Data factories: rows made directly in a tenant schema, for tests that need them as setup."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from bbp.bonds.models import Bond, BondIndemnitor, BondStatusChange, Charge
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import utcnow
from bbp.tenancy import bound

_numbers = count(900001)


def make_bond(
    app,
    agency,
    *,
    status: str = "active",
    bail: str = "5000.00",
    first_name: str = "Ray",
    last_name: str = "Doe",
    premium: str | None = None,
) -> int:
    """A bond with one charge for a fresh defendant; returns the bond id."""
    with app.app_context(), bound(agency.info, db.session):
        defendant = Defendant(first_name=first_name, last_name=last_name)
        bond = Bond(
            number=f"T-{next(_numbers)}",
            defendant=defendant,
            status=status,
            bail_amount=Decimal(bail),
            case_number="2026-CF-1",
            court_name="County Court",
            premium=Decimal(premium) if premium else Decimal(bail) / 10,
            written_at=utcnow() if status != "quote" else None,
        )
        bond.charges = [Charge(description="Charge", degree="felony", bail_amount=Decimal(bail))]
        db.session.add(bond)
        db.session.add(
            BondStatusChange(
                bond=bond, from_status=None, to_status=status, changed_by_label="factory"
            )
        )
        db.session.commit()
        return bond.id


def add_cosigner(
    app, agency, bond_id: int, first_name: str, last_name: str, relationship: str = ""
) -> int:
    """A new cosigner on a bond; returns the cosigner's (indemnitor's) id."""
    with app.app_context(), bound(agency.info, db.session):
        indemnitor = Indemnitor(first_name=first_name, last_name=last_name)
        bond = db.session.get(Bond, bond_id)
        bond.cosigners.append(
            BondIndemnitor(indemnitor=indemnitor, relationship_to_defendant=relationship)
        )
        db.session.commit()
        return indemnitor.id


def cosign(app, agency, bond_id: int, indemnitor_id: int, relationship: str = "") -> None:
    """Put an existing cosigner on another bond."""
    with app.app_context(), bound(agency.info, db.session):
        db.session.add(
            BondIndemnitor(
                bond_id=bond_id,
                indemnitor_id=indemnitor_id,
                relationship_to_defendant=relationship,
            )
        )
        db.session.commit()


def second_bond(app, agency, bond_id: int, status: str = "quote") -> int:
    """Another bond for the same defendant as `bond_id`; returns its id."""
    with app.app_context(), bound(agency.info, db.session):
        first = db.session.get(Bond, bond_id)
        bond = Bond(
            number=f"T-{next(_numbers)}",
            defendant_id=first.defendant_id,
            status=status,
            bail_amount=Decimal("1500"),
            case_number="2026-MM-7",
        )
        db.session.add(bond)
        db.session.commit()
        return bond.id
