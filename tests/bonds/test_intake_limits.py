"""Intake at its limits: a full list of charges and a plan starting in an absurd year."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bbp.bonds.forms import MAX_CHARGES
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.payments.models import PaymentPlan
from bbp.tenancy import bound
from tests.bonds.test_intake import _charges, start

MORE_BUTTON = 'name="more"'
BBP = Path(__file__).resolve().parents[2] / "bbp"


def test_rows_are_added_only_through_the_helper_that_stops_at_the_maximum():
    callers = sorted(
        str(path.relative_to(BBP))
        for path in BBP.rglob("*.py")
        if "append_entry(" in path.read_text()
    )
    assert callers == ["web/forms.py"]


def _rows(count: int) -> dict:
    data = {"case_number": "2026-CF-0777"}
    for n in range(count):
        data |= {
            f"charges-{n}-description": f"Count {n + 1}",
            f"charges-{n}-degree": "felony",
            f"charges-{n}-bail_amount": "1,000",
        }
    return data


def test_add_more_rows_on_a_full_list_says_so_and_keeps_every_row(owner):
    step = start(owner)
    response = owner.post(step, _rows(MAX_CHARGES) | {"more": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"A bond can list at most {MAX_CHARGES} charges." in body
    assert 'value="Count 1"' in body and f'value="Count {MAX_CHARGES}"' in body
    assert 'value="2026-CF-0777"' in body
    assert MORE_BUTTON not in body


def test_add_more_rows_near_the_limit_fills_up_to_it(owner):
    step = start(owner)
    response = owner.post(step, _rows(MAX_CHARGES - 2) | {"more": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'name="charges-{MAX_CHARGES - 1}-description"' in body
    assert f'name="charges-{MAX_CHARGES}-description"' not in body
    assert MORE_BUTTON not in body and "at most" in body


def test_a_bond_with_the_most_charges_reopens_its_charges_step(app, owner, tenant):
    step = start(owner)
    assert owner.post(step, _rows(MAX_CHARGES)).status_code == 302
    page = owner.get(step)
    assert page.status_code == 200
    assert f'value="Count {MAX_CHARGES}"' in page.get_data(as_text=True)


def _plan(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        bond_id = db.session.scalar(select(Bond.id).order_by(Bond.id.desc()))
        return db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond_id))


def test_a_plan_first_due_in_year_9999_is_refused_beside_the_field(app, owner, tenant):
    step = start(owner)
    owner.post(step, _charges())
    premium = step.replace("/charges", "/premium")
    for typed in ("9999-12-31", "0001-01-01"):
        response = owner.post(
            premium,
            {"down_payment": "50", "count": "104", "frequency": "weekly", "first_due": typed},
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="first_due-error"' in body and "Enter a first due date from " in body
        assert f'value="{typed}"' in body and 'value="104"' in body
    assert _plan(app, tenant) is None
