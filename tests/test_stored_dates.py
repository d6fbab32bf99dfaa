"""Dates already stored at the edges of the calendar never break a page for the whole agency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from bbp.bonds.models import Bond
from bbp.courts.models import Forfeiture
from bbp.extensions import db
from bbp.payments.models import Instalment, PaymentPlan
from tests.portal.conftest import inside, make_book, sign_in

# Raw SQL, as a value written before the limits existed (or by a hand edit) would be stored.
EXTREMES = {
    # 9999-12-31 23:30 in New York is year 10000 in UTC: past what Python can represent.
    "court date in year 10000 UTC": (
        "UPDATE court_dates SET starts_at = '9999-12-31 23:30 America/New_York'"
    ),
    "court date at the last representable moment": (
        "UPDATE court_dates SET starts_at = '9999-12-31 23:59:59+00'"
    ),
    "court date in year 1": "UPDATE court_dates SET starts_at = '0001-01-01 00:00+00'",
    "court date before year 1": "UPDATE court_dates SET starts_at = '0001-01-01 00:00+00 BC'",
    "notice mailed on 9999-12-31": "UPDATE forfeitures SET notice_mailed_on = '9999-12-31'",
    "forfeited and notice mailed in year 10000": (
        "UPDATE forfeitures SET forfeited_on = '10000-01-01', notice_mailed_on = '10000-01-02'"
    ),
    "instalment due on 9999-12-31": "UPDATE instalments SET due_on = '9999-12-31'",
    "instalment due in year 1": "UPDATE instalments SET due_on = '0001-01-01'",
}


@pytest.fixture
def stored(app, tenant):
    """A forfeited bond with a court date, a forfeiture and a plan; returns the book."""
    book = make_book(app, tenant)
    with inside(app, tenant):
        db.session.get(Bond, book.bond_id).status = "forfeited"
        db.session.add(
            Forfeiture(
                bond_id=book.bond_id,
                court_date_id=book.court_date_id,
                forfeited_on=date(2026, 11, 2),
                state="FL",
            )
        )
        plan = PaymentPlan(bond_id=book.bond_id, down_payment=Decimal("100.00"))
        plan.instalments = [Instalment(due_on=date(2026, 12, 15), amount=Decimal("400.00"))]
        db.session.add(plan)
        db.session.commit()
    return book


def _store(app, tenant, statement: str) -> None:
    with inside(app, tenant):
        db.session.execute(text(statement))
        db.session.commit()


@pytest.mark.parametrize("statement", EXTREMES.values(), ids=EXTREMES.keys())
def test_staff_pages_survive_extreme_stored_dates(app, tenant, owner, stored, statement):
    _store(app, tenant, statement)
    pages = [
        "/dashboard/",
        f"/bonds/{stored.bond_id}",
        f"/court/bonds/{stored.bond_id}/court-dates.ics",
        f"/court/{stored.court_date_id}/edit",
        f"/court/{stored.court_date_id}/outcome",
        f"/payments/bonds/{stored.bond_id}/new",
        "/bonds/",
        "/court/calendar",
    ]
    for path in pages:
        assert owner.get(path).status_code == 200, path


@pytest.mark.parametrize("statement", EXTREMES.values(), ids=EXTREMES.keys())
def test_portal_pages_survive_extreme_stored_dates(app, tenant, visit, stored, statement):
    _store(app, tenant, statement)
    cosigner = visit(tenant)
    sign_in(cosigner, app, tenant)
    for path in (
        "/portal/",
        f"/portal/bonds/{stored.bond_id}",
        f"/portal/court-dates/{stored.court_date_id}.ics",
    ):
        assert cosigner.get(path).status_code == 200, path
