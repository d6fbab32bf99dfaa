"""The console's front page: MRR at the prices agencies actually pay (trials apart, comps at $0,
canceled ones out), plan mix, and past-due agencies linked to their pages, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bbp.billing import revenue, services
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from tests.billing.support import end_trial, plan, plan_fields, subscribed
from tests.billing.sweep import put_in
from tests.platform.conftest import page_text


def _figures(app):
    with app.app_context():
        return revenue.revenue()


def _set(app, tenant_id: int, **values) -> None:
    with app.app_context():
        row = db.session.get(BillingAccount, tenant_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_mrr_counts_what_paying_agencies_pay_on_their_own_price(
    app, tenant, other_tenant, make_agency, clock
):
    before = _figures(app)
    old = subscribed(app, tenant, monthly_price_cents=9900)
    with app.app_context():  # the plan's price rises; the agency on it keeps paying $99
        name = plan(app, old).name
        services.update_plan(old, plan_fields(name=name, monthly_price_cents=12900), "t")
    subscribed(app, other_tenant, monthly_price_cents=4900)  # stays in its trial
    third = make_agency("charlie")
    subscribed(app, third, monthly_price_cents=29900)
    end_trial(app, tenant.info.id)
    end_trial(app, third.info.id)
    _set(app, third.info.id, subscription_status="past_due")  # still owed: counts
    after = _figures(app)
    assert after.mrr_cents - before.mrr_cents == 9900 + 29900
    assert after.paying - before.paying == 2
    assert after.trialing - before.trialing == 1
    assert after.trial_pipeline_cents - before.trial_pipeline_cents == 4900
    assert after.plans[name].paying == 1 and after.plans[name].trialing == 0

    _set(app, third.info.id, subscription_status="canceled")  # gone: out of every figure
    _set(app, tenant.info.id, comped_until=clock.now + timedelta(days=30))  # pays $0 for now
    later = _figures(app)
    assert later.mrr_cents == before.mrr_cents
    assert later.paying - before.paying == 1 and later.comped - before.comped == 1
    clock.advance(days=31)  # the comp ran out
    assert _figures(app).mrr_cents - before.mrr_cents == 9900


def test_a_price_of_unknown_amount_is_left_out_and_counted(app, tenant):
    before = _figures(app)
    subscribed(app, tenant, monthly_price_cents=9900)
    end_trial(app, tenant.info.id)
    _set(app, tenant.info.id, price_cents=None)
    after = _figures(app)
    assert after.mrr_cents == before.mrr_cents
    assert after.unknown_price - before.unknown_price == 1


@pytest.mark.parametrize("role", ["superadmin", "support", "finance"])
def test_every_role_sees_revenue_plan_mix_and_past_due_agencies(
    app, console_as, tenant, other_tenant, role
):
    subscribed(app, tenant, monthly_price_cents=9900)
    end_trial(app, tenant.info.id)
    put_in(app, other_tenant, "read_only")
    response = console_as(role).get("/platform/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Monthly recurring revenue" in text and "trials are not counted" in text
    assert "Trial pipeline" in text and "Plan mix" in text
    body = response.get_data(as_text=True)
    past_due = body[body.index('id="past-due"') :]
    past_due = past_due[: past_due.index("</ul>")]
    assert f'href="/platform/agencies/{other_tenant.slug}"' in past_due
    assert "Read-only (unpaid)" in past_due and tenant.slug not in past_due


def test_the_list_shows_plan_and_billing_and_filters_by_plan(app, console_as, tenant, other_tenant):
    plan_id = subscribed(app, tenant)
    console = console_as("finance")
    rows = console.get(f"/platform/?plan={plan_id}", htmx=True)
    body = rows.get_data(as_text=True)
    assert "<html" not in body and "Monthly recurring revenue" not in body
    assert tenant.slug in body and other_tenant.slug not in body
    assert plan(app, plan_id).name in page_text(rows) and "Trial" in page_text(rows)
    unplanned = console.get("/platform/?plan=none", htmx=True).get_data(as_text=True)
    assert other_tenant.slug in unplanned and tenant.slug not in unplanned
    assert "No plan" in unplanned
