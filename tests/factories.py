"""Data factories: rows made directly in a tenant schema, for tests that need them as setup."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from bbp.bonds.models import Bond, BondStatusChange, Charge
from bbp.defendants.models import Defendant
from bbp.extensions import db
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
            written_at=datetime.now(UTC) if status != "quote" else None,
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
