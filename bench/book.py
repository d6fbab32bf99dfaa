"""A bare book for the background benchmarks: active bonds, each with one court date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert

from bbp.bonds.models import Bond
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db


def insert_bonds(count: int, court_at: Callable[[int], datetime]) -> None:
    """Bonds 1..count in the bound agency, each defendant with a phone and one court date."""
    ids = range(1, count + 1)
    db.session.execute(
        insert(Defendant),
        [
            {"id": i, "first_name": "Pat", "last_name": f"Doe{i}", "phone": f"305{i:07d}"}
            for i in ids
        ],
    )
    db.session.execute(
        insert(Bond),
        [
            {
                "id": i,
                "number": f"B-{i:06d}",
                "defendant_id": i,
                "status": "active",
                "bail_amount": Decimal("1000"),
                "premium": Decimal("100"),
            }
            for i in ids
        ],
    )
    db.session.execute(
        insert(CourtDate),
        [{"bond_id": i, "starts_at": court_at(i), "court_name": "County Court"} for i in ids],
    )
