"""Cosigners: create, edit with audit, search as you type, roles, tenant isolation, bonds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.tenancy import bound
from tests.support import add_user

PROFILE = {
    "first_name": "Gloria",
    "last_name": "Fuentes",
    "phone": "(305) 555-0142",
    "email": "gloria@example.com",
    "address_line1": "1200 NW 7th St",
    "city": "Miami",
    "state": "fl",
    "postal_code": "33125",
    "housing": "rent",
    "employer": "Publix Supermarkets",
    "employer_phone": "305-555-0199",
    "monthly_income": "$4,250.50",
}


def _create(visitor, **fields):
    return visitor.post("/indemnitors/new", PROFILE | fields)


def _only(app, tenant) -> Indemnitor:
    with app.app_context(), bound(tenant.info, db.session):
        indemnitor = db.session.scalars(select(Indemnitor)).one()
        db.session.expunge(indemnitor)
        return indemnitor


def _audit(app, tenant, action: str) -> list[AuditEntry]:
    with app.app_context(), bound(tenant.info, db.session):
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        for entry in entries:
            db.session.expunge(entry)
        return entries


def _bond(app, tenant, indemnitor_id: int, number: str, status: str, relationship: str):
    """A bond for a new defendant with this cosigner on it (bonds have no pages yet)."""
    with app.app_context(), bound(tenant.info, db.session):
        defendant = Defendant(first_name="Marcus", last_name=f"Reyes{number[-1]}")
        bond = Bond(number=number, defendant=defendant, status=status)
        bond.cosigners.append(
            BondIndemnitor(indemnitor_id=indemnitor_id, relationship_to_defendant=relationship)
        )
        db.session.add(bond)
        db.session.commit()


def test_agent_adds_a_cosigner_and_the_profile_shows_it(app, owner, tenant):
    response = _create(owner)
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    for shown in (
        "Gloria Fuentes",
        "(305) 555-0142",
        "gloria@example.com",
        "1200 NW 7th St",
        "Miami, FL 33125",
        "Rents",
        "Publix Supermarkets",
        "(305) 555-0199",
        "$4,250.50",
        "Not a cosigner on any bond yet.",
    ):
        assert shown in page
    saved = _only(app, tenant)
    assert (saved.phone, saved.state, saved.employer_phone) == ("3055550142", "FL", "3055550199")
    [entry] = _audit(app, tenant, "indemnitor.created")
    assert entry.before is None and entry.after["monthly_income"] == "4250.50"
    assert entry.target_id == str(saved.id)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("$1,234.56", Decimal("1234.56")), ("0", Decimal("0.00")), ("", None)],
)
def test_monthly_income_is_stored_as_an_exact_decimal(app, owner, tenant, typed, stored):
    assert _create(owner, monthly_income=typed).status_code == 302
    income = _only(app, tenant).monthly_income
    assert income == stored
    assert stored is None or isinstance(income, Decimal)


def test_edit_shows_current_values_and_is_audited_with_before_and_after(app, owner, tenant):
    _create(owner)
    indemnitor = _only(app, tenant)
    form = owner.get(f"/indemnitors/{indemnitor.id}/edit").get_data(as_text=True)
    assert 'value="Publix Supermarkets"' in form and 'value="4250.50"' in form
    assert '<option selected value="rent">' in form
    response = owner.post(
        f"/indemnitors/{indemnitor.id}/edit",
        PROFILE | {"housing": "own", "employer": "Baptist Health", "monthly_income": ""},
    )
    assert response.status_code == 302
    after = _only(app, tenant)
    assert (after.housing, after.employer, after.monthly_income) == ("own", "Baptist Health", None)
    [entry] = _audit(app, tenant, "indemnitor.updated")
    assert entry.before["employer"] == "Publix Supermarkets"
    assert entry.after["employer"] == "Baptist Health"
    assert (entry.before["housing"], entry.after["housing"]) == ("rent", "own")
    assert (entry.before["monthly_income"], entry.after["monthly_income"]) == ("4250.50", None)


@pytest.mark.parametrize(
    ("fields", "message", "echoed"),
    [
        ({"first_name": ""}, "Enter the first name.", 'value="Fuentes"'),
        ({"last_name": ""}, "Enter the last name.", 'value="Gloria"'),
        ({"phone": "555-01"}, "Enter a 10-digit phone number", 'value="555-01"'),
        ({"employer_phone": "12"}, "Enter a 10-digit phone number", 'value="12"'),
        ({"state": "Florida"}, "two-letter state code", 'value="Florida"'),
        ({"email": "nope"}, "Enter an email address such as name@example.com.", 'value="nope"'),
        ({"monthly_income": "12.345"}, "fractions of a cent", 'value="12.345"'),
        ({"monthly_income": "-5"}, "The amount cannot be negative.", 'value="-5"'),
        ({"monthly_income": "lots"}, "Enter an amount such as 1500", 'value="lots"'),
        ({"housing": "castle"}, "Not a valid choice", '<option value="rent">'),
    ],
)
def test_bad_input_gets_a_field_message_and_keeps_what_was_typed(
    app, owner, tenant, fields, message, echoed
):
    response = _create(owner, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert echoed in body
    assert 'value="Publix Supermarkets"' in body and 'value="1200 NW 7th St"' in body
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalars(select(Indemnitor)).all() == []


def test_bad_input_on_edit_changes_nothing(app, owner, tenant):
    _create(owner)
    indemnitor = _only(app, tenant)
    response = owner.post(
        f"/indemnitors/{indemnitor.id}/edit", PROFILE | {"employer": "New", "state": "Florida"}
    )
    assert response.status_code == 422 and 'value="New"' in response.get_data(as_text=True)
    assert _only(app, tenant).employer == "Publix Supermarkets"
    assert _audit(app, tenant, "indemnitor.updated") == []


def test_live_search_returns_a_fragment_by_name_phone_and_email(owner):
    _create(owner)
    _create(
        owner,
        first_name="Dana",
        last_name="Whitlock",
        phone="7865550199",
        email="dana.w@example.org",
        city="Hialeah",
        housing="own",
    )
    response = owner.get("/indemnitors/?q=fuent", htmx=True)
    by_name = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in by_name
    assert "Fuentes, Gloria" in by_name and "Whitlock" not in by_name
    by_phone = owner.get("/indemnitors/?q=555-0199", htmx=True).get_data(as_text=True)
    assert "Whitlock, Dana" in by_phone and "Fuentes" not in by_phone
    assert "(786) 555-0199" in by_phone and "Hialeah" in by_phone and "Owns" in by_phone
    by_email = owner.get("/indemnitors/?q=dana.w@", htmx=True).get_data(as_text=True)
    assert "Whitlock, Dana" in by_email and "Fuentes" not in by_email
    wildcard = owner.get("/indemnitors/?q=%25", htmx=True).get_data(as_text=True)
    assert "No cosigner matches" in wildcard
    full = owner.get("/indemnitors/?q=fuent").get_data(as_text=True)
    assert "<html" in full and "Fuentes, Gloria" in full


def test_profile_lists_the_bonds_cosigned_and_the_list_counts_them(app, owner, tenant):
    _create(owner)
    _create(owner, first_name="Dana", last_name="Whitlock")
    with app.app_context(), bound(tenant.info, db.session):
        ids = dict(db.session.execute(select(Indemnitor.last_name, Indemnitor.id)).all())
    _bond(app, tenant, ids["Fuentes"], "B-2024-0001", "active", "Mother")
    _bond(app, tenant, ids["Fuentes"], "B-2024-0002", "exonerated", "")
    _bond(app, tenant, ids["Whitlock"], "B-2024-0003", "quote", "Sister")
    page = owner.get(f"/indemnitors/{ids['Fuentes']}").get_data(as_text=True)
    assert "B-2024-0001" in page and "Reyes1" in page and "Active" in page and "Mother" in page
    assert "B-2024-0002" in page and "Exonerated" in page
    assert "B-2024-0003" not in page and "Sister" not in page
    rows = owner.get("/indemnitors/?q=fuentes", htmx=True).get_data(as_text=True)
    assert '<td data-label="Bonds">2</td>' in rows


def test_viewer_can_look_but_not_add_or_edit(app, visit, owner, tenant):
    _create(owner)
    indemnitor = _only(app, tenant)
    viewer = visit(tenant)
    viewer.login(add_user(app, tenant.info, "viewer").email)
    listing = viewer.get("/indemnitors/")
    assert listing.status_code == 200 and "New cosigner" not in listing.get_data(as_text=True)
    profile = viewer.get(f"/indemnitors/{indemnitor.id}")
    assert profile.status_code == 200 and "Gloria Fuentes" in profile.get_data(as_text=True)
    assert f"/indemnitors/{indemnitor.id}/edit" not in profile.get_data(as_text=True)
    assert viewer.get("/indemnitors/new").status_code == 403
    assert viewer.post("/indemnitors/new", PROFILE).status_code == 403
    assert viewer.get(f"/indemnitors/{indemnitor.id}/edit").status_code == 403
    edit = viewer.post(f"/indemnitors/{indemnitor.id}/edit", PROFILE | {"employer": "X"})
    assert edit.status_code == 403
    assert _only(app, tenant).employer == "Publix Supermarkets"


def test_another_agencys_owner_cannot_see_or_change_a_cosigner(
    app, visit, owner, tenant, other_tenant
):
    _create(owner)
    indemnitor = _only(app, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    responses = [
        intruder.get(f"/indemnitors/{indemnitor.id}"),
        intruder.get(f"/indemnitors/{indemnitor.id}/edit"),
        intruder.post(f"/indemnitors/{indemnitor.id}/edit", PROFILE | {"employer": "Hacked"}),
        intruder.get("/indemnitors/?q=fuentes"),
        intruder.get("/indemnitors/?q=3055550142", htmx=True),
    ]
    assert [r.status_code for r in responses[:3]] == [404, 404, 404]
    for response in responses:
        body = response.get_data(as_text=True)
        for marker in ("Fuentes", "Publix", "gloria@example.com", "555-0142"):
            assert marker not in body
    assert _only(app, tenant).employer == "Publix Supermarkets"
