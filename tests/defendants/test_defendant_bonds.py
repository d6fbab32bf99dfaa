"""A defendant's page leads to their bonds and the people who cosign them, in this agency only."""

from __future__ import annotations

import re

from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.tenancy import bound
from tests.factories import add_cosigner, cosign, make_bond, second_bond
from tests.formfill import forms_on


def _book(app, agency) -> dict:
    """Ray Doe with an active bond (two cosigners) and a quote (one of them); Ann Lee apart."""
    active = make_bond(app, agency, status="active", first_name="Ray", last_name="Doe")
    quote = second_bond(app, agency, active)
    lena = add_cosigner(app, agency, active, "Lena", "Doe", "Mother")
    sam = add_cosigner(app, agency, active, "Sam", "Ortiz", "Employer")
    cosign(app, agency, quote, lena, "Mother")
    other = make_bond(app, agency, status="active", first_name="Ann", last_name="Lee")
    add_cosigner(app, agency, other, "Otto", "Lee")
    with app.app_context(), bound(agency.info, db.session):
        bonds = {
            b.id: b
            for b in db.session.scalars(select(Bond).where(Bond.id.in_([active, quote, other])))
        }
        return {
            "defendant": bonds[active].defendant_id,
            "active": (active, bonds[active].number),
            "quote": (quote, bonds[quote].number),
            "other": (other, bonds[other].number),
            "lena": lena,
            "sam": sam,
        }


def _row(page: str, number: str) -> str:
    return re.search(rf"<tr>(?:(?!</tr>).)*{number}(?:(?!</tr>).)*</tr>", page, re.S).group(0)


def test_the_defendant_page_links_to_each_bond_and_lists_its_cosigners(app, owner, tenant):
    ids = _book(app, tenant)
    page = owner.get(f"/defendants/{ids['defendant']}").get_data(as_text=True)
    active_id, active_number = ids["active"]
    quote_id, quote_number = ids["quote"]
    active = _row(page, active_number)
    assert f'href="/bonds/{active_id}"' in active and "Active" in active
    assert f'href="/indemnitors/{ids["lena"]}"' in active and "Lena Doe" in active
    assert f'href="/indemnitors/{ids["sam"]}"' in active and "(Employer)" in active
    quote = _row(page, quote_number)
    assert f'href="/bonds/{quote_id}"' in quote and "Quote" in quote
    assert "Lena Doe" in quote and "Sam Ortiz" not in quote
    assert ids["other"][1] not in page and "Otto" not in page
    new_bond = [f for f in forms_on(page) if f.action == "/bonds/new"]
    assert new_bond and new_bond[0].fields["defendant_id"].value == str(ids["defendant"])


def test_the_bond_page_leads_back_to_the_defendant_and_each_cosigner(app, owner, tenant):
    ids = _book(app, tenant)
    page = owner.get(f"/bonds/{ids['active'][0]}").get_data(as_text=True)
    assert f'href="/defendants/{ids["defendant"]}"' in page
    assert f'href="/indemnitors/{ids["lena"]}"' in page
    assert f'href="/indemnitors/{ids["sam"]}"' in page


def test_a_defendant_without_bonds_says_so(app, owner, tenant):
    created = owner.post("/defendants/new", {"first_name": "Nia", "last_name": "Cole"})
    page = owner.get(created.headers["Location"]).get_data(as_text=True)
    assert "No bonds yet." in page


def test_another_agency_cannot_open_the_defendant_or_see_their_bonds(
    app, visit, owner, tenant, other_tenant
):
    ids = _book(app, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    response = intruder.get(f"/defendants/{ids['defendant']}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    for marker in ("Ray Doe", "Lena", "Ortiz", ids["active"][1], ids["quote"][1]):
        assert marker not in body
    # With a defendant of its own under the same id, the other agency sees only its own bonds.
    theirs = make_bond(app, other_tenant, status="active", first_name="Zed", last_name="Bravo")
    with app.app_context(), bound(other_tenant.info, db.session):
        their_defendant = db.session.get(Bond, theirs).defendant_id
    assert their_defendant == ids["defendant"]
    body = intruder.get(f"/defendants/{their_defendant}").get_data(as_text=True)
    assert "Zed Bravo" in body
    for marker in ("Ray Doe", "Lena", "Ortiz", ids["active"][1], ids["quote"][1]):
        assert marker not in body
