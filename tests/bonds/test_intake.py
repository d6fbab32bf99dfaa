"""Bond intake through the pages: defendant, charges, cosigners, premium and plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bbp.bonds import services as bond_services
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.errors import DomainError
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import add_user


def _bond(app, tenant, number=None) -> Bond:
    with app.app_context(), bound(tenant.info, db.session):
        query = select(Bond).order_by(Bond.id.desc())
        if number:
            query = query.where(Bond.number == number)
        bond = db.session.scalars(query).first()
        _ = bond.charges, bond.cosigners, bond.history  # load before leaving the session
        db.session.expunge_all()
        return bond


def _florida(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        row = settings.current()
        row.minimum_per_charge = Decimal("100")
        row.fees = [{"name": "Filing fee", "amount": "25.00"}]
        db.session.commit()


def start(owner, **fields):
    data = {"first_name": "Tariq", "last_name": "Bell", "phone": "3055550111"} | fields
    response = owner.post("/bonds/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_starting_a_bond_numbers_it_and_opens_the_charges_step(app, owner, tenant):
    first, second = start(owner), start(owner, first_name="Ana")
    assert first.endswith("/charges") and second.endswith("/charges")
    bond = _bond(app, tenant)
    assert bond.number == "B-000002" and bond.status == "quote"
    assert [h.to_status for h in bond.history] == ["quote"]


def test_missing_defendant_name_keeps_what_was_typed(owner):
    response = owner.post(
        "/bonds/new", {"first_name": "", "last_name": "Bell", "booking_number": "BK-1"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the first name." in body and 'value="BK-1"' in body


def _charges(**extra):
    data = {
        "case_number": "2026-CF-0042",
        "court_name": "Miami-Dade Circuit",
        "county": "Dade",
        "charges-0-description": "Battery",
        "charges-0-degree": "misdemeanor",
        "charges-0-bail_amount": "500",
        "charges-1-description": "Grand theft",
        "charges-1-statute": "812.014",
        "charges-1-degree": "felony",
        "charges-1-bail_amount": "$2,000.00",
    }
    return data | extra


def test_charges_sum_to_the_bail_and_florida_minimum_applies(app, owner, tenant):
    _florida(app, tenant)
    step = start(owner)
    response = owner.post(step, _charges())
    assert response.status_code == 302 and response.headers["Location"].endswith("/cosigners")
    bond = _bond(app, tenant)
    assert bond.bail_amount == Decimal("2500.00")
    assert bond.premium == Decimal("300.00")  # max(50, 100) + 200
    assert bond.fees == Decimal("25.00")
    labels = [line["label"] for line in bond.premium_breakdown]
    assert any("minimum $100.00 applies" in label for label in labels)
    page = owner.get(step.replace("/charges", "/premium")).get_data(as_text=True)
    assert "$325.00" in page


def test_bad_charge_rows_keep_everything_typed(owner):
    step = start(owner)
    response = owner.post(step, _charges(**{"charges-1-bail_amount": "12.345"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fractions of a cent" in body and 'value="2026-CF-0042"' in body
    assert 'value="Grand theft"' in body
    missing = owner.post(step, _charges(**{"charges-0-bail_amount": ""}))
    assert "Enter the bail amount for this charge." in missing.get_data(as_text=True)


def test_an_overridden_bail_amount_needs_a_reason(app, owner, tenant):
    step = start(owner)
    refused = owner.post(step, _charges(override="10000"))
    assert refused.status_code == 422
    assert "Say why the bail amount differs" in refused.get_data(as_text=True)
    owner.post(
        step, _charges(override="10000", override_reason="Judge set $10,000 at first appearance")
    )
    bond = _bond(app, tenant)
    assert bond.bail_amount == Decimal("10000.00") and bond.premium == Decimal("1000.00")


def test_no_charges_is_refused(owner):
    step = start(owner)
    response = owner.post(step, {"case_number": "X"})
    assert response.status_code == 422
    assert "Add at least one charge." in response.get_data(as_text=True)


def test_cosigners_added_new_and_from_search_then_removed(app, owner, tenant):
    step = start(owner)
    owner.post(step, _charges())
    cosigners = step.replace("/charges", "/cosigners")
    owner.post(
        cosigners,
        {
            "first_name": "Lena",
            "last_name": "Bell",
            "phone": "3055550122",
            "relationship": "Mother",
        },
    )
    bond = _bond(app, tenant)
    lena = bond.cosigners[0]
    assert (lena.indemnitor.full_name, lena.relationship_to_defendant) == ("Lena Bell", "Mother")
    matches = owner.get(f"{cosigners}?q=lena", htmx=True).get_data(as_text=True)
    assert "Lena Bell" in matches and "<html" not in matches
    again = owner.post(cosigners, {"indemnitor_id": lena.indemnitor_id, "relationship": "Mom"})
    assert "already cosigns" in owner.get(again.headers["Location"]).get_data(as_text=True)
    owner.post(f"{cosigners}/{lena.indemnitor_id}/remove")
    assert _bond(app, tenant).cosigners == []


def test_a_new_cosigner_is_one_transaction(app, owner, tenant, monkeypatch):
    step = start(owner)
    owner.post(step, _charges())
    commits: list[int] = []
    real_commit = Session.commit

    def counted(session):
        commits.append(1)
        real_commit(session)

    monkeypatch.setattr(Session, "commit", counted)
    response = owner.post(
        step.replace("/charges", "/cosigners"),
        {"first_name": "Lena", "last_name": "Bell", "phone": "3055550122", "relationship": "Aunt"},
    )
    assert response.status_code == 302
    assert len(commits) == 1  # the person and the bond's cosigner are saved together
    monkeypatch.undo()
    assert [c.indemnitor.full_name for c in _bond(app, tenant).cosigners] == ["Lena Bell"]


def test_a_refused_new_cosigner_is_not_put_in_the_book(app, owner, tenant, monkeypatch):
    def refuse(*args):
        raise DomainError("Refused after the person was saved.")

    start(owner)
    monkeypatch.setattr(bond_services, "add_cosigner", refuse)
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.scalars(select(Bond)).one()
        with pytest.raises(DomainError):
            bond_services.add_new_cosigner(bond, {"first_name": "Ivy", "last_name": "Stone"}, "")
        ivy = select(Indemnitor).where(Indemnitor.first_name == "Ivy")
        assert db.session.scalars(ivy).all() == []


def test_plan_splits_premium_and_fees(app, owner, tenant):
    step = start(owner)
    owner.post(step, _charges())
    premium = step.replace("/charges", "/premium")
    first_due = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=16)
    bad = owner.post(
        premium,
        {"down_payment": "9999", "count": "3", "frequency": "monthly", "first_due": str(first_due)},
    )
    assert bad.status_code == 422 and "between $0.00 and the total" in bad.get_data(as_text=True)
    done = owner.post(
        premium,
        {"down_payment": "50", "count": "4", "frequency": "monthly", "first_due": str(first_due)},
    )
    assert done.headers["Location"].endswith("/review")
    page = owner.get(premium).get_data(as_text=True)
    assert "$50.00" in page and f"{first_due:%a %b %-d, %Y}" in page


def test_status_changes_need_reasons_and_roles(app, owner, visit, tenant):
    start(owner)
    bond = _bond(app, tenant)
    path = f"/bonds/{bond.id}/status"
    refused = owner.post(path, {"status": "cancelled", "reason": ""})
    assert refused.status_code == 409
    assert "Say why the bond becomes canceled / void." in refused.get_data(as_text=True)
    assert owner.post(path, {"status": "application"}).status_code == 302
    viewer = add_user(app, tenant.info, "viewer")
    visitor = visit(tenant)
    visitor.login(viewer.email)
    assert visitor.post(path, {"status": "quote"}).status_code == 403
    owner.post(path, {"status": "cancelled", "reason": "Family found another agency"})
    bond = _bond(app, tenant)
    assert bond.status == "cancelled" and bond.discharged_on is not None
    assert [h.to_status for h in bond.history] == ["quote", "application", "cancelled"]
    page = owner.get(f"/bonds/{bond.id}").get_data(as_text=True)
    assert "Family found another agency" in page


def test_bond_list_searches_by_number_case_name_and_phone(app, owner, tenant):
    owner.post(start(owner), _charges())
    start(owner, first_name="Zoe", last_name="Quill", phone="7865550177")
    for q, expected, absent in [
        ("B-000001", "Bell, Tariq", "Quill"),
        ("2026-CF", "Bell, Tariq", "Quill"),
        ("quill", "Quill, Zoe", "Bell"),
        ("555-0177", "Quill, Zoe", "Bell"),
    ]:
        body = owner.get(f"/bonds/?q={q}", htmx=True).get_data(as_text=True)
        assert expected in body and absent not in body, q
    quotes = owner.get("/bonds/?status=quote", htmx=True).get_data(as_text=True)
    assert "Quill, Zoe" in quotes


def test_timeline_merges_status_payments_court_and_notes(app, owner, tenant):

    bond_id = make_bond(app, tenant, status="active", premium="500")
    owner.post(
        f"/payments/bonds/{bond_id}/new",
        {"amount": "120", "kind": "premium", "method": "check", "payer_name": "Lena Bell"},
    )
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-12-03T09:30", "kind": "trial"})
    empty = owner.post(f"/bonds/{bond_id}/notes", {"body": "   "})
    assert empty.status_code == 422 and "Write the note first." in empty.get_data(as_text=True)
    owner.post(f"/bonds/{bond_id}/notes", {"body": "Cosigner confirmed the new address."})
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert "Cosigner confirmed the new address." in timeline
    assert "Premium $120.00 (Check), receipt R-000001, from Lena Bell" in timeline
    assert "Court date set: trial on Dec 3, 2026" in timeline
    assert timeline.index("Cosigner confirmed") < timeline.index("Premium $120.00")  # newest first


def test_a_charge_row_with_an_amount_but_no_description_is_explained(owner):
    step = start(owner)
    response = owner.post(step, _charges(**{"charges-1-description": ""}))
    assert response.status_code == 422
    assert "Describe the charge." in response.get_data(as_text=True)


def test_bond_list_sorts(app, owner, tenant):

    make_bond(app, tenant, bail="500", last_name="Zimmer")
    make_bond(app, tenant, bail="90000", last_name="Adams")
    by_bail = owner.get("/bonds/?sort=bail", htmx=True).get_data(as_text=True)
    assert by_bail.index("Adams") < by_bail.index("Zimmer")
    by_name = owner.get("/bonds/?sort=defendant", htmx=True).get_data(as_text=True)
    assert by_name.index("Adams") < by_name.index("Zimmer")
    oldest = owner.get("/bonds/?sort=oldest", htmx=True).get_data(as_text=True)
    assert oldest.index("Zimmer") < oldest.index("Adams")
    assert owner.get("/bonds/?sort=nonsense").status_code == 200
