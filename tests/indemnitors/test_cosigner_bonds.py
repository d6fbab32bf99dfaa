"""A cosigner's page leads to each bond they cosign and its defendant, in this agency only."""

from __future__ import annotations

import re

from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.tenancy import bound
from tests.factories import add_cosigner, cosign, make_bond


def _book(app, agency) -> dict:
    """Lena cosigns Ray's active bond and Ann's written one; Sam cosigns Ray's bond only."""
    ray = make_bond(app, agency, status="active", first_name="Ray", last_name="Doe")
    ann = make_bond(app, agency, status="written", first_name="Ann", last_name="Lee")
    lena = add_cosigner(app, agency, ray, "Lena", "Doe", "Mother")
    cosign(app, agency, ann, lena, "Aunt")
    sam = add_cosigner(app, agency, ray, "Sam", "Ortiz")
    with app.app_context(), bound(agency.info, db.session):
        rows = {b.id: b for b in db.session.scalars(select(Bond).where(Bond.id.in_([ray, ann])))}
        return {
            "lena": lena,
            "sam": sam,
            "ray": (ray, rows[ray].number, rows[ray].defendant_id),
            "ann": (ann, rows[ann].number, rows[ann].defendant_id),
        }


def _row(page: str, number: str) -> str:
    return re.search(rf"<tr>(?:(?!</tr>).)*{number}(?:(?!</tr>).)*</tr>", page, re.S).group(0)


def test_the_cosigner_page_links_to_each_bond_and_its_defendant(app, owner, tenant):
    ids = _book(app, tenant)
    page = owner.get(f"/indemnitors/{ids['lena']}").get_data(as_text=True)
    for key, status, relationship in (("ray", "Active", "Mother"), ("ann", "Written", "Aunt")):
        bond_id, number, defendant_id = ids[key]
        row = _row(page, number)
        assert f'href="/bonds/{bond_id}"' in row and status in row and relationship in row
        assert f'href="/defendants/{defendant_id}"' in row
    sam = owner.get(f"/indemnitors/{ids['sam']}").get_data(as_text=True)
    assert ids["ray"][1] in sam and ids["ann"][1] not in sam


def test_another_agency_cannot_open_the_cosigner_or_see_their_bonds(
    app, visit, owner, tenant, other_tenant
):
    ids = _book(app, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    response = intruder.get(f"/indemnitors/{ids['lena']}")
    assert response.status_code == 404
    for marker in ("Lena", "Ray Doe", "Ann Lee", ids["ray"][1], ids["ann"][1]):
        assert marker not in response.get_data(as_text=True)
    # With a cosigner of its own under the same id, the other agency sees only its own bonds.
    theirs = make_bond(app, other_tenant, status="active", first_name="Zed", last_name="Bravo")
    their_cosigner = add_cosigner(app, other_tenant, theirs, "Yara", "Bravo")
    assert their_cosigner == ids["lena"]
    body = intruder.get(f"/indemnitors/{their_cosigner}").get_data(as_text=True)
    assert "Yara Bravo" in body and "Zed Bravo" in body
    for marker in ("Lena", "Ray Doe", "Ann Lee", ids["ray"][1], ids["ann"][1]):
        assert marker not in body
