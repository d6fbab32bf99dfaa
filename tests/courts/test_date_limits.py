"""Court dates, continuances, notice dates and calendar dates outside sane ranges are refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel.dates import shift_years
from bbp.tenancy import bound
from tests.factories import make_bond

NEW_YORK = ZoneInfo("America/New_York")
ABSURD = ["9999-12-31T23:30", "0001-01-01T00:00", "2300-01-01T09:00"]


def _today() -> date:
    return datetime.now(NEW_YORK).date()


def _court_dates(app, tenant, bond_id) -> list[CourtDate]:
    with app.app_context(), bound(tenant.info, db.session):
        rows = db.session.scalars(select(CourtDate).where(CourtDate.bond_id == bond_id)).all()
        db.session.expunge_all()
        return list(rows)


def _soon() -> str:
    return (datetime.now(NEW_YORK) + timedelta(days=10)).strftime("%Y-%m-%dT09:30")


@pytest.mark.parametrize("typed", ABSURD)
def test_an_absurd_court_date_is_refused_beside_the_field(app, tenant, owner, typed):
    bond_id = make_bond(app, tenant)
    response = owner.post(
        f"/court/bonds/{bond_id}/new", {"starts_at": typed, "courtroom": "4-2", "kind": "trial"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="starts_at-error"' in body and "Enter a court date from " in body
    assert f'value="{typed}"' in body and 'value="4-2"' in body
    assert _court_dates(app, tenant, bond_id) == []


def test_an_absurd_date_is_refused_on_the_edit_page_too(app, tenant, owner):
    bond_id = make_bond(app, tenant)
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": _soon(), "kind": "hearing"})
    court_date = _court_dates(app, tenant, bond_id)[0]
    response = owner.post(
        f"/court/{court_date.id}/edit", {"starts_at": "9999-12-31T23:30", "kind": "hearing"}
    )
    assert response.status_code == 422
    assert "Enter a court date from " in response.get_data(as_text=True)
    assert _court_dates(app, tenant, bond_id)[0].starts_at == court_date.starts_at


def test_the_court_date_picker_offers_only_the_allowed_days(app, tenant, owner):
    bond_id = make_bond(app, tenant)
    page = owner.get(f"/court/bonds/{bond_id}/new").get_data(as_text=True)
    today = _today()
    assert f'min="{shift_years(today, -5).isoformat()}T00:00"' in page
    assert f'max="{shift_years(today, 10).isoformat()}T23:59"' in page


def test_a_continuance_to_year_9999_is_refused(app, tenant, owner):
    bond_id = make_bond(app, tenant)
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": _soon(), "kind": "hearing"})
    court_date = _court_dates(app, tenant, bond_id)[0]
    response = owner.post(
        f"/court/{court_date.id}/outcome",
        {"outcome": "continued", "continued_to": "9999-12-31T23:30"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="continued_to-error"' in body and 'value="9999-12-31T23:30"' in body
    assert [d.outcome for d in _court_dates(app, tenant, bond_id)] == [None]


def _forfeited(app, tenant, owner) -> tuple[int, int]:
    bond_id = make_bond(app, tenant, status="active")
    past = (datetime.now(NEW_YORK) - timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": past, "kind": "trial"})
    court_date = _court_dates(app, tenant, bond_id)[0]
    owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"})
    with app.app_context(), bound(tenant.info, db.session):
        forfeiture_id = db.session.scalar(
            select(Forfeiture.id).where(Forfeiture.bond_id == bond_id)
        )
    return bond_id, forfeiture_id


def _notice(app, tenant, forfeiture_id):
    with app.app_context(), bound(tenant.info, db.session):
        return db.session.get(Forfeiture, forfeiture_id).notice_mailed_on


def test_a_far_future_notice_date_is_refused_beside_the_field(app, tenant, owner):
    bond_id, forfeiture_id = _forfeited(app, tenant, owner)
    response = owner.post(
        f"/court/forfeitures/{forfeiture_id}/notice", {"notice_mailed_on": "9999-12-31"}, htmx=True
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and 'id="court-dates"' in body
    assert f'id="notice-{forfeiture_id}-error"' in body
    assert "Enter the date the notice was mailed from " in body
    assert 'value="9999-12-31"' in body
    assert _notice(app, tenant, forfeiture_id) is None
    assert owner.get(f"/bonds/{bond_id}").status_code == 200
    assert owner.get("/dashboard/").status_code == 200


def test_a_good_notice_date_swaps_in_the_exact_deadlines(app, tenant, owner):
    _, forfeiture_id = _forfeited(app, tenant, owner)
    today = _today()
    response = owner.post(
        f"/court/forfeitures/{forfeiture_id}/notice",
        {"notice_mailed_on": today.isoformat()},
        htmx=True,
    )
    assert response.status_code == 200
    assert f"Notice mailed {today:%b %-d, %Y}" in response.get_data(as_text=True)
    assert _notice(app, tenant, forfeiture_id) == today


def test_without_javascript_a_far_future_notice_date_is_flashed_on_the_bond_page(
    app, tenant, owner
):
    _, forfeiture_id = _forfeited(app, tenant, owner)
    response = owner.post(
        f"/court/forfeitures/{forfeiture_id}/notice", {"notice_mailed_on": "9999-12-31"}
    )
    assert response.status_code == 302
    page = owner.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Enter the date the notice was mailed from " in page.get_data(as_text=True)
    assert _notice(app, tenant, forfeiture_id) is None


def test_a_far_future_notice_date_on_the_outcome_form_is_refused(app, tenant, owner):
    bond_id = make_bond(app, tenant, status="active")
    past = (datetime.now(NEW_YORK) - timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": past, "kind": "trial"})
    court_date = _court_dates(app, tenant, bond_id)[0]
    response = owner.post(
        f"/court/{court_date.id}/outcome",
        {"outcome": "failed_to_appear", "confirm": "y", "notice_mailed_on": "9999-12-31"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="notice_mailed_on-error"' in body and 'value="9999-12-31"' in body
    assert _court_dates(app, tenant, bond_id)[0].outcome is None


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "2300-06-01", "10000-01-01", "x"])
def test_calendar_dates_out_of_range_show_today_and_say_why(owner, typed):
    response = owner.get(f"/court/calendar?view=day&date={typed}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{_today():%A %b %-d, %Y}" in body
    assert "Showing today instead." in body


def test_a_calendar_date_in_range_is_shown(owner):
    day = _today() + timedelta(days=400)
    body = owner.get(f"/court/calendar?view=day&date={day.isoformat()}").get_data(as_text=True)
    assert f"{day:%A %b %-d, %Y}" in body and "Showing today instead." not in body
