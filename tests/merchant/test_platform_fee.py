"""The platform's fee per plan: set in the console by superadmins (audited), read by every
admin, rounded half up to the cent and never more than the payment."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from bbp.billing import accounts
from bbp.extensions import db
from bbp.merchant import fees
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound
from tests.billing.support import make_plan, plan
from tests.merchant.support import connect


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _fee_entries(app, plan_id: int) -> list[PlatformAuditEntry]:
    """The plan's fee changes in the platform audit log, detached."""
    with app.app_context():
        entries = db.session.scalars(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == "plan.fee_changed",
                PlatformAuditEntry.target_id == str(plan_id),
            )
        ).all()
        db.session.expunge_all()
        return list(entries)


def test_a_superadmin_sets_a_plans_fee_and_it_is_audited(app, console_as):
    plan_id = make_plan(app)
    console = console_as("superadmin")
    page = text_of(console.get(f"/platform/plans/{plan_id}/fee"))
    assert 'value="0"' in page and "rounded half up to the cent" in page
    response = console.post(f"/platform/plans/{plan_id}/fee", {"percent": "2.9", "fixed": "0.30"})
    assert response.status_code == 302
    saved = plan(app, plan_id)
    assert (saved.application_fee_bps, saved.application_fee_cents) == (290, 30)
    [entry] = _fee_entries(app, plan_id)
    assert entry.before == {"bps": 0, "fixed_cents": 0}
    assert entry.after == {"bps": 290, "fixed_cents": 30}
    assert entry.actor_label == console.email
    assert "2.9% + $0.30" in text_of(console.get("/platform/plans"))


def _save_fee(console_as, plan_id: int, percent: str, fixed: str):
    """A superadmin opens the plan's fee and saves it."""
    console = console_as("superadmin")
    console.get(f"/platform/plans/{plan_id}/fee")
    return console.post(f"/platform/plans/{plan_id}/fee", {"percent": percent, "fixed": fixed})


def test_an_unchanged_fee_writes_no_audit_entry(app, console_as):
    plan_id = make_plan(app)
    assert _save_fee(console_as, plan_id, "0", "0").status_code == 302
    assert _fee_entries(app, plan_id) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("percent", "", "Enter a percent such as 2.9"),
        ("percent", "abc", "Enter a percent such as 2.9"),
        ("percent", "20.01", "Enter a percent from 0 to 20."),
        ("percent", "-1", "Enter a percent from 0 to 20."),
        ("percent", "2.955", "at most two decimals"),
        ("percent", "NaN", "Enter a percent such as 2.9"),
        ("fixed", "", "Enter a fixed amount such as 0.30"),
        ("fixed", "10.01", "from $0.00 to $10.00"),
        ("fixed", "0.305", "fractions of a cent"),
        ("fixed", "-1", "cannot be negative"),
    ],
)
def test_bad_fee_input_is_refused_beside_its_field(app, console_as, field, value, message):
    plan_id = make_plan(app)
    console = console_as("superadmin")
    console.get(f"/platform/plans/{plan_id}/fee")
    fields = {"percent": "3.5", "fixed": "0.25"} | {field: value}
    response = console.post(f"/platform/plans/{plan_id}/fee", fields)
    page = text_of(response)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    kept = "percent" if field == "fixed" else "fixed"
    assert f'value="{fields[kept]}"' in page  # what was typed is kept
    assert plan(app, plan_id).application_fee_bps == 0


def test_the_limits_themselves_are_accepted(app, console_as):
    plan_id = make_plan(app)
    assert _save_fee(console_as, plan_id, "20", "10").status_code == 302
    saved = plan(app, plan_id)
    assert (saved.application_fee_bps, saved.application_fee_cents) == (2000, 1000)


@pytest.mark.parametrize("role", ["finance", "support"])
def test_finance_and_support_read_the_fee_and_change_nothing(app, console_as, role):
    plan_id = make_plan(app)
    console = console_as(role)
    listing = console.get("/platform/plans")
    assert listing.status_code == 200 and "Platform fee" in text_of(listing)
    assert f"/platform/plans/{plan_id}/fee" not in text_of(listing)
    assert console.get(f"/platform/plans/{plan_id}/fee").status_code == 403
    refused = console.post(f"/platform/plans/{plan_id}/fee", {"percent": "5", "fixed": "1"})
    assert refused.status_code == 403
    assert plan(app, plan_id).application_fee_bps == 0


def test_agency_staff_reach_no_console_fee_route(app, owner, visit):
    plan_id = make_plan(app)
    console = visit("admin", client=owner.client)
    for response in (
        console.get(f"/platform/plans/{plan_id}/fee"),
        console.post(f"/platform/plans/{plan_id}/fee", {"percent": "5", "fixed": "1"}),
    ):
        assert response.status_code == 302 and "/platform/login" in response.location
    assert owner.get(f"/platform/plans/{plan_id}/fee").status_code == 404  # not on agency hosts
    assert plan(app, plan_id).application_fee_bps == 0


def test_an_unknown_plans_fee_is_a_404(console_as):
    assert console_as("superadmin").get("/platform/plans/999999/fee").status_code == 404


@pytest.mark.parametrize(
    ("amount", "bps", "fixed", "fee"),
    [
        (10000, 290, 30, 320),  # $100.00 at 2.9% + 30¢
        (1050, 290, 30, 60),  # 30.45¢ rounds down to 30¢, + 30¢
        (1000, 25, 0, 3),  # 2.5¢ rounds half up to 3¢
        (50, 2000, 1000, 50),  # never more than the payment
        (12345, 0, 0, 0),
    ],
)
def test_fee_for_uses_the_agencys_plan(app, tenant, amount, bps, fixed, fee):
    plan_id = make_plan(app)
    with app.app_context():
        fees.set_fee(plan_id, bps, fixed, "test")
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        with bound(tenant.info, db.session):
            assert fees.fee_for(amount) == fee


def test_an_agency_with_no_plan_pays_no_fee(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        assert fees.fee_for(10000) == 0


def test_the_owner_sees_the_fee_before_connecting(app, owner, tenant):
    plan_id = make_plan(app)
    with app.app_context():
        fees.set_fee(plan_id, 250, 25, "test")
        accounts.choose_plan(tenant.info.id, plan_id, "test")
    assert "2.5% + $0.25" in text_of(owner.get("/settings/payments"))
    connect(owner)
    assert "2.5% + $0.25 of each payment" in text_of(owner.get("/settings/payments"))
