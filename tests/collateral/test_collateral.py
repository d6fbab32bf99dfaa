"""Collateral: numbered receipts, bad input, returns, the return clock, roles and tenancy."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import g, render_template
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.collateral import services
from bbp.collateral.models import Collateral
from bbp.extensions import db
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import add_user

ZONE = "America/Los_Angeles"
GOOD = {"kind": "vehicle", "description": "2019 Honda Civic, VIN 123", "value": "$1,234.56"}


@pytest.fixture
def agency(make_agency):
    return make_agency("coll", name="Pacific Bail", state="CA", timezone=ZONE)


@pytest.fixture
def owner(visit, agency):
    visitor = visit(agency)
    assert visitor.login(agency.owner_email).status_code == 302
    return visitor


def _today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def _rows(app, agency, bond_id=None) -> list[Collateral]:
    with app.app_context(), bound(agency.info, db.session):
        stmt = select(Collateral).order_by(Collateral.id)
        if bond_id is not None:
            stmt = stmt.where(Collateral.bond_id == bond_id)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def _owner_id(app, agency) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(select(User.id).where(User.email == agency.owner_email))


def _discharge(app, agency, bond_id, on: date) -> None:
    with app.app_context(), bound(agency.info, db.session):
        db.session.get(Bond, bond_id).discharged_on = on
        db.session.commit()


def _receive(app, agency, bond_id, description="Gold watch", value="500.00") -> int:
    with app.app_context(), bound(agency.info, db.session):
        by = db.session.scalar(select(User).where(User.email == agency.owner_email))
        bond = db.session.get(Bond, bond_id)
        made = services.receive(bond, "jewellery", description, Decimal(value), "Ann Pledger", by)
        return made.id


def test_receipts_are_numbered_in_sequence_and_values_kept_exact(app, agency, owner):
    bond_id = make_bond(app, agency)
    first = owner.post(f"/collateral/bonds/{bond_id}/new", {**GOOD, "pledged_by": "Ann Pledger"})
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/bonds/{bond_id}#collateral")
    owner.post(f"/collateral/bonds/{bond_id}/new", {**GOOD, "value": "0.10", "kind": "cash"})
    rows = _rows(app, agency, bond_id)
    assert [r.receipt_number for r in rows] == ["C-000001", "C-000002"]
    assert rows[0].value == Decimal("1234.56") and rows[1].value == Decimal("0.10")
    assert rows[0].pledged_by == "Ann Pledger" and rows[0].held
    assert rows[0].received_by_id == _owner_id(app, agency)
    assert rows[0].return_due_on is None


@pytest.mark.parametrize(
    ("change", "message", "kept"),
    [
        ({"value": "-5"}, "The amount cannot be negative.", 'value="-5"'),
        ({"value": "10.005"}, "Amounts cannot include fractions of a cent.", 'value="10.005"'),
        ({"value": "ten"}, "Enter an amount such as 1500", 'value="ten"'),
        ({"description": ""}, "Describe the collateral.", 'value="$1,234.56"'),
        ({"kind": "boat"}, "Choose the type of collateral.", "2019 Honda Civic, VIN 123"),
    ],
)
def test_bad_input_is_refused_and_keeps_what_was_typed(app, agency, owner, change, message, kept):
    bond_id = make_bond(app, agency)
    data = {**GOOD, "pledged_by": "Ann Pledger", **change}
    response = owner.post(f"/collateral/bonds/{bond_id}/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and kept in body and 'value="Ann Pledger"' in body
    assert _rows(app, agency) == []


def test_return_records_who_and_when_and_a_second_return_is_refused(app, agency, owner):
    bond_id = make_bond(app, agency, status="exonerated")
    collateral_id = _receive(app, agency, bond_id)
    owner.get("/collateral/")
    blank = owner.post(f"/collateral/{collateral_id}/return", {"returned_to": " "}, htmx=True)
    assert blank.status_code == 422
    assert "Enter who took the collateral back." in blank.get_data(as_text=True)
    assert _rows(app, agency)[0].held

    response = owner.post(
        f"/collateral/{collateral_id}/return", {"returned_to": "Ann P."}, htmx=True
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert f"Returned to Ann P. on {_today():%b %-d, %Y}" in fragment
    assert "Mark returned" not in fragment
    row = _rows(app, agency)[0]
    assert row.returned_to == "Ann P." and row.returned_by_id == _owner_id(app, agency)
    assert abs(row.returned_at - datetime.now(row.returned_at.tzinfo)) < timedelta(minutes=1)

    again = owner.post(f"/collateral/{collateral_id}/return", {"returned_to": "Someone else"})
    assert again.headers["Location"].endswith(f"/bonds/{bond_id}#collateral")
    page = owner.get(again.headers["Location"]).get_data(as_text=True)
    assert f"Receipt C-000001 was already returned to Ann P. on {_today():%b %-d, %Y}." in page
    refused = owner.post(f"/collateral/{collateral_id}/return", {"returned_to": "X"}, htmx=True)
    assert refused.status_code == 422 and "already returned to Ann P." in refused.get_data(
        as_text=True
    )
    assert _rows(app, agency)[0].returned_to == "Ann P."


def test_the_return_box_is_labeled_and_the_kind_reads_in_us_english(app, agency, owner):
    bond_id = make_bond(app, agency, status="exonerated")
    collateral_id = _receive(app, agency, bond_id)  # stored as "jewellery"
    box = f"returned-to-{collateral_id}"
    page = owner.get("/collateral/").get_data(as_text=True)
    assert re.search(rf'<label for="{box}"[^>]*>Returned to</label>', page)
    assert re.search(rf'<input type="text" id="{box}" name="returned_to" value="Ann Pledger"', page)
    assert "<strong>Jewelry</strong>" in page and "Jewellery" not in page
    blank = owner.post(f"/collateral/{collateral_id}/return", {"returned_to": ""}, htmx=True)
    fragment = blank.get_data(as_text=True)
    assert f'aria-describedby="{box}-error"' in fragment and f'id="{box}-error"' in fragment
    receipt = owner.get(f"/collateral/{collateral_id}/receipt").get_data(as_text=True)
    assert "<td>Jewelry</td>" in receipt
    form = owner.get(f"/collateral/bonds/{bond_id}/new").get_data(as_text=True)
    assert '<option value="jewellery">Jewelry</option>' in form


def test_collateral_taken_on_a_discharged_bond_is_due_back_from_the_discharge(app, agency, owner):
    bond_id = make_bond(app, agency, status="exonerated")
    discharged = _today() - timedelta(days=60)
    _discharge(app, agency, bond_id, discharged)
    owner.post(f"/collateral/bonds/{bond_id}/new", GOOD)
    due = discharged + timedelta(days=21)
    assert _rows(app, agency)[0].return_due_on == due
    overdue = owner.get("/collateral/?show=overdue").get_data(as_text=True)
    assert f"Overdue: due back {due:%b %-d, %Y}" in overdue and "C-000001" in overdue


def test_discharge_starts_the_clock_for_held_collateral_only(app, agency):
    bond_id = make_bond(app, agency, status="active")
    held, returned = _receive(app, agency, bond_id), _receive(app, agency, bond_id)
    with app.app_context(), bound(agency.info, db.session):
        settings.current().collateral_return_days = 30
        by = db.session.scalar(select(User).where(User.email == agency.owner_email))
        bond = db.session.get(Bond, bond_id)
        bond.status, bond.discharged_on = "exonerated", date(2026, 3, 2)
        services.mark_returned(db.session.get(Collateral, returned), "Ann", by)
        started = services.start_return_clock(bond)
        assert [c.id for c in started] == [held]
        db.session.commit()
    rows = {r.id: r for r in _rows(app, agency)}
    assert rows[held].return_due_on == date(2026, 4, 1)
    assert rows[returned].return_due_on is None


def test_due_for_return_lists_soonest_first_and_flags_overdue(app, agency):
    today = date(2026, 5, 20)
    dates = {"late": date(2026, 5, 1), "soon": date(2026, 5, 25), "later": date(2026, 7, 1)}
    ids = {}
    for name, discharged in dates.items():
        bond_id = make_bond(app, agency, status="exonerated")
        _discharge(app, agency, bond_id, discharged - timedelta(days=21))
        ids[name] = _receive(app, agency, bond_id, description=name)
    make_bond(app, agency)  # not discharged: no deadline, never listed
    with app.app_context(), bound(agency.info, db.session):
        due = services.due_for_return(today)
        assert [(d.collateral.id, d.overdue, d.due_on) for d in due] == [
            (ids["late"], True, date(2026, 5, 1)),
            (ids["soon"], False, date(2026, 5, 25)),
        ]
        assert len(services.due_for_return(today, within_days=60)) == 3


def test_list_filters_held_due_overdue_and_returned(app, agency, owner):
    soon_bond = make_bond(app, agency, status="exonerated")
    _discharge(app, agency, soon_bond, _today() - timedelta(days=18))
    _receive(app, agency, soon_bond, description="Soon ring")
    _receive(app, agency, make_bond(app, agency), description="Kept deed")
    back = _receive(
        app, agency, make_bond(app, agency, status="exonerated"), description="Given back"
    )
    owner.get("/collateral/")
    owner.post(f"/collateral/{back}/return", {"returned_to": "Ann"})

    def shown(query: str) -> list[str]:
        body = owner.get(f"/collateral/{query}").get_data(as_text=True)
        return [d for d in ("Soon ring", "Kept deed", "Given back") if d in body]

    assert shown("") == ["Soon ring", "Kept deed"]
    assert shown("?show=due") == ["Soon ring"]
    assert shown("?show=overdue") == []
    assert shown("?show=returned") == ["Given back"]
    assert shown("?show=nonsense&page=999999") == []
    due = _today() + timedelta(days=3)
    assert f"Due back by {due:%b %-d, %Y}" in owner.get("/collateral/?show=due").get_data(
        as_text=True
    )
    fragment = owner.get("/collateral/?show=due", htmx=True).get_data(as_text=True)
    assert "Soon ring" in fragment and "<html" not in fragment


def test_printable_receipt(app, agency, owner):
    bond_id = make_bond(app, agency, first_name="Rita", last_name="Bond")
    owner.post(f"/collateral/bonds/{bond_id}/new", {**GOOD, "pledged_by": "Ann Pledger"})
    row = _rows(app, agency)[0]
    response = owner.get(f"/collateral/{row.id}/receipt")
    body = response.get_data(as_text=True)
    local = row.received_at.astimezone(ZoneInfo(ZONE))
    with app.app_context(), bound(agency.info, db.session):
        bond_number = db.session.get(Bond, bond_id).number
    for expected in (
        "C-000001",
        bond_number,
        "Rita Bond",
        "2019 Honda Civic, VIN 123",
        "$1,234.56",
        "Ann Pledger",
        f"Owner {agency.slug}",
        local.strftime("%b %-d, %Y %-I:%M %p %Z"),
        "data-print",
    ):
        assert expected in body
    assert local.tzname() in ("PST", "PDT")
    assert "<script>" not in body and "onclick" not in body


def test_bond_section_shows_each_status_and_the_add_link(app, agency):
    bond_id = make_bond(app, agency, status="exonerated")
    _discharge(app, agency, bond_id, _today() - timedelta(days=40))
    overdue = _receive(app, agency, bond_id, description="Late watch", value="100.00")
    back = _receive(app, agency, bond_id, description="Old ring", value="900.00")
    with app.test_request_context("/", base_url=f"http://{agency.slug}.localhost"):
        g.tenant = agency.info
        with bound(agency.info, db.session):
            user = db.session.scalar(select(User).where(User.email == agency.owner_email))
            services.mark_returned(db.session.get(Collateral, back), "Ann", user)
            html = render_template(
                "collateral/_bond_section.html",
                bond=db.session.get(Bond, bond_id),
                current_user=user,
            )
    assert '<article id="collateral">' in html
    assert f"/collateral/bonds/{bond_id}/new" in html
    assert 'Held: <span class="money">$100.00</span>' in html
    assert f"/collateral/{overdue}/return" in html and f"/collateral/{back}/return" not in html
    assert "Overdue: due back" in html and f"Returned to Ann on {_today():%b %-d, %Y}" in html


def test_viewers_cannot_receive_or_return(app, visit, agency):
    bond_id = make_bond(app, agency)
    collateral_id = _receive(app, agency, bond_id)
    viewer = visit(agency)
    viewer.login(add_user(app, agency.info, "viewer").email)
    assert viewer.get(f"/collateral/bonds/{bond_id}/new").status_code == 403
    assert viewer.post(f"/collateral/bonds/{bond_id}/new", GOOD).status_code == 403
    assert (
        viewer.post(f"/collateral/{collateral_id}/return", {"returned_to": "X"}).status_code == 403
    )
    assert viewer.get("/collateral/").status_code == 200
    assert viewer.get(f"/collateral/{collateral_id}/receipt").status_code == 200
    assert len(_rows(app, agency)) == 1 and _rows(app, agency)[0].held


def test_another_agency_cannot_see_or_touch_this_agencys_collateral(
    app, visit, agency, other_tenant
):
    bond_id = make_bond(app, agency)
    collateral_id = _receive(app, agency, bond_id, description="Secret emerald")
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    responses = [
        intruder.get(f"/collateral/{collateral_id}/receipt"),
        intruder.post(f"/collateral/{collateral_id}/return", {"returned_to": "Thief"}),
        intruder.post(f"/collateral/{collateral_id}/return", {"returned_to": "Thief"}, htmx=True),
        intruder.get(f"/collateral/bonds/{bond_id}/new"),
        intruder.post(f"/collateral/bonds/{bond_id}/new", GOOD),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    for query in ("", "?show=returned", "?show=due"):
        body = intruder.get(f"/collateral/{query}").get_data(as_text=True)
        assert "Secret emerald" not in body and "C-000001" not in body
    assert _rows(app, agency)[0].held
    assert _rows(app, other_tenant) == []


def test_exonerating_the_bond_on_its_page_starts_the_return_clock(app, agency, owner):
    bond_id = make_bond(app, agency, status="active")
    _receive(app, agency, bond_id, description="2016 Toyota Camry")
    response = owner.post(f"/bonds/{bond_id}/status", {"status": "exonerated", "reason": ""})
    assert response.status_code == 302
    item = _rows(app, agency, bond_id)[0]
    assert item.return_due_on == _today() + timedelta(days=21)
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert 'id="collateral"' in page and "2016 Toyota Camry" in page


def test_collateral_stays_while_the_bond_is_at_risk(app, agency, owner):
    collateral_id = _receive(app, agency, make_bond(app, agency, status="active"))
    refused = owner.post(f"/collateral/{collateral_id}/return", {"returned_to": "Ann"}, htmx=True)
    assert refused.status_code == 422
    assert "goes back once the bond is discharged" in refused.get_data(as_text=True)
