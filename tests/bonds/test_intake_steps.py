"""Intake steps that explain themselves: the plan's schedule as it is typed, the price so far,
and terms that can no longer change shown read-only with the way to change them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.payments.models import PaymentPlan
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.formfill import forms_on
from tests.support import unmarked

FIRST_DUE = date(2027, 1, 15)
PLAN = {"down_payment": "100", "count": "4", "frequency": "monthly", "first_due": "2027-01-15"}
CHARGES = {
    "case_number": "2026-CF-0042",
    "charges-0-description": "Grand theft",
    "charges-0-degree": "felony",
    "charges-0-bail_amount": "5,000",
}


def _priced_quote(app, owner, tenant) -> int:
    """A quote whose charges were saved through the charges step (premium 500 + fee 25)."""
    with app.app_context(), bound(tenant.info, db.session):
        settings.current().fees = [{"name": "Filing fee", "amount": "25.00"}]
        db.session.commit()
    started = owner.post("/bonds/new", {"first_name": "Tariq", "last_name": "Bell"})
    charges = started.headers["Location"]
    assert owner.post(charges, CHARGES).status_code == 302
    return int(re.search(r"/bonds/(\d+)/charges", charges).group(1))


def _actions(page: str) -> list[str]:
    return [form.action for form in forms_on(page)]


def test_the_plan_step_lists_each_installment_on_a_full_page(app, owner, tenant):
    bond_id = _priced_quote(app, owner, tenant)
    fresh = unmarked(owner.get(f"/bonds/{bond_id}/premium").get_data(as_text=True))
    assert "Enter the down payment to see each installment." in fresh
    assert owner.post(f"/bonds/{bond_id}/premium", PLAN).status_code == 302
    page = unmarked(owner.get(f"/bonds/{bond_id}/premium").get_data(as_text=True))
    schedule = page.split('id="plan-schedule"', 1)[1]
    for day, amount in [
        ("Fri Jan 15, 2027", "$106.25"),
        ("Mon Feb 15, 2027", "$106.25"),
        ("Mon Mar 15, 2027", "$106.25"),
        ("Thu Apr 15, 2027", "$106.25"),
    ]:
        assert re.search(rf"{day}</td><td[^>]*>{re.escape(amount)}<", schedule), day
    assert "Down payment, when the bond is written" in schedule and "$525.00" in schedule


def test_the_schedule_fragment_follows_the_typed_plan(app, owner, tenant):
    bond_id = _priced_quote(app, owner, tenant)
    url = f"/bonds/{bond_id}/premium/schedule"
    response = owner.get(url, htmx=True, query_string=PLAN | {"count": "3", "down_payment": "0"})
    fragment = unmarked(response.get_data(as_text=True))
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in fragment and "<form" not in fragment
    assert re.search(r"Fri Jan 15, 2027</td><td[^>]*>\$175\.00<", fragment)
    assert re.search(r"Mon Mar 15, 2027</td><td[^>]*>\$175\.00<", fragment)
    assert "Apr 15, 2027" not in fragment
    assert "Down payment" not in fragment and "$525.00" in fragment

    # the fragment shows exactly what saving the same plan stores
    owner.post(f"/bonds/{bond_id}/premium", PLAN)
    shown = unmarked(owner.get(url, htmx=True, query_string=PLAN).get_data(as_text=True))
    with app.app_context(), bound(tenant.info, db.session):
        plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond_id))
        saved = [(i.due_on, i.amount) for i in plan.instalments]
    assert saved[0] == (FIRST_DUE, Decimal("106.25")) and len(saved) == 4
    for due_on, amount in saved:
        assert f"{due_on:%a %b %-d, %Y}</td><td" in shown and f"${amount:,.2f}" in shown


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"down_payment": "9999"}, "between $0.00 and the total"),
        ({"down_payment": "abc"}, "Enter an amount such as 1500"),
        ({"count": "0"}, "Use 1 to 104."),
        ({"frequency": "yearly"}, "Not a valid choice"),
        ({"first_due": "1999-01-01"}, "Enter a first due date from"),
        ({"down_payment": ""}, "Enter the down payment"),
    ],
)
def test_the_schedule_fragment_explains_a_plan_it_cannot_work_out(
    app, owner, tenant, typed, message
):
    bond_id = _priced_quote(app, owner, tenant)
    response = owner.get(f"/bonds/{bond_id}/premium/schedule", htmx=True, query_string=PLAN | typed)
    assert response.status_code == 422
    fragment = unmarked(response.get_data(as_text=True))
    assert message in fragment and "<html" not in fragment


def test_without_javascript_the_schedule_url_is_the_whole_step(app, owner, tenant):
    bond_id = _priced_quote(app, owner, tenant)
    page = owner.get(f"/bonds/{bond_id}/premium/schedule", query_string=PLAN)
    body = unmarked(page.get_data(as_text=True))
    assert page.status_code == 200 and "<html" in body
    assert 'value="100"' in body and "Fri Jan 15, 2027" in body
    assert f"/bonds/{bond_id}/premium" in _actions(body)


def test_the_price_so_far_shows_on_every_step_after_the_charges(app, owner, tenant):
    bond_id = _priced_quote(app, owner, tenant)
    owner.post(f"/bonds/{bond_id}/premium", PLAN)
    price = "premium $500.00 + fees $25.00 = <strong>$525.00</strong>"
    for step in ("charges", "cosigners", "review"):
        assert price in unmarked(owner.get(f"/bonds/{bond_id}/{step}").get_data(as_text=True)), step
    started = owner.post("/bonds/new", {"first_name": "Ana", "last_name": "Bell"})
    assert "premium $" not in unmarked(
        owner.get(started.headers["Location"]).get_data(as_text=True)
    )


def test_a_written_bonds_terms_are_read_only_with_the_way_to_change_them(app, owner, tenant):
    bond_id = make_bond(app, tenant, status="written", premium="500")
    charges = unmarked(owner.get(f"/bonds/{bond_id}/charges").get_data(as_text=True))
    assert "This bond is written (posted): its charges, premium and cosigners can" in charges
    assert "cancel (void) this bond" in charges and "an admin or above can" in charges
    assert f"/bonds/{bond_id}/charges" not in _actions(charges)
    assert "/bonds/new" in _actions(charges)  # start a new bond for the same defendant
    assert f'href="/bonds/{bond_id}#status-change"' in charges
    assert "Charge" in charges and "$5,000.00" in charges

    refused = owner.post(f"/bonds/{bond_id}/charges", CHARGES)
    assert refused.status_code == 422 and "can no longer change" in unmarked(
        refused.get_data(as_text=True)
    )
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.get(Bond, bond_id).case_number == "2026-CF-1"

    cosigners = unmarked(owner.get(f"/bonds/{bond_id}/cosigners").get_data(as_text=True))
    assert "can no longer change" in cosigners
    assert f"/bonds/{bond_id}/cosigners" not in _actions(cosigners)
    stale = owner.post(f"/bonds/{bond_id}/cosigners", {"first_name": "Lena", "last_name": "Bell"})
    assert stale.headers["Location"].endswith(f"/bonds/{bond_id}")
    assert "can no longer change" in unmarked(
        owner.get(stale.headers["Location"]).get_data(as_text=True)
    )
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalars(select(Indemnitor)).all() == []
    review = unmarked(owner.get(f"/bonds/{bond_id}/review").get_data(as_text=True))
    assert "can no longer change" in review and f"/bonds/{bond_id}/write" not in _actions(review)

    premium = unmarked(owner.get(f"/bonds/{bond_id}/premium").get_data(as_text=True))
    assert f"/bonds/{bond_id}/premium" in _actions(premium)  # the plan still follows the money
    assert owner.post(f"/bonds/{bond_id}/premium", PLAN).status_code == 302


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("exonerated", "A plan changes only while a bond is a quote, an application"),
        ("forfeited", "Once the bond is reinstated (by a manager or above)"),
    ],
)
def test_a_plan_that_can_no_longer_change_is_read_only(app, owner, tenant, status, shown):
    bond_id = make_bond(app, tenant, status=status, premium="500")
    page = unmarked(owner.get(f"/bonds/{bond_id}/premium").get_data(as_text=True))
    assert f"This bond is {status}: its payment plan can no longer change." in page
    assert shown in page and f"/bonds/{bond_id}/premium" not in _actions(page)
    assert "paid in full" in page
    assert "start a new bond" in unmarked(
        owner.get(f"/bonds/{bond_id}/charges").get_data(as_text=True)
    )


def test_the_schedule_is_another_agencys_404(app, owner, tenant, visit, other_tenant):
    bond_id = _priced_quote(app, owner, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    response = intruder.get(f"/bonds/{bond_id}/premium/schedule", htmx=True, query_string=PLAN)
    assert response.status_code == 404 and "Tariq" not in unmarked(response.get_data(as_text=True))
