"""An agency with no plan starts one: its owner from the Billing page, or a superadmin from the
console; the trial opens by the job, audited in both logs, refused when seats do not fit."""

from __future__ import annotations

from bbp.billing import dunning, stripe_api
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from tests.billing.stripe_events import deliver_pending
from tests.billing.support import agency_entries, make_plan, platform_actions
from tests.platform.archive_support import work
from tests.platform.conftest import page_text
from tests.support import add_user


def _row(app, agency):
    with app.app_context():
        row = db.session.get(BillingAccount, agency.info.id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_the_owner_starts_a_plan_and_its_trial_opens(app, owner, tenant):
    plan_id = make_plan(app, trial_days=14)
    page = owner.get("/billing/").get_data(as_text=True)
    assert "not on a BailBondPro plan yet" in page and "Start this plan" in page
    response = owner.post("/billing/start", {"plan_id": plan_id})
    assert response.status_code == 303
    assert "14-day free trial starts now" in owner.get("/billing/").get_data(as_text=True)
    work(app)  # the job opens the customer and the subscription
    row = _row(app, tenant)
    assert (row.plan_id, row.subscription_status) == (plan_id, "trialing")
    assert row.stripe_subscription_id.startswith("sub_")
    assert platform_actions(app, tenant.info.id, "billing.plan_chosen") == ["billing.plan_chosen"]
    [(_action, actor, after)] = agency_entries(app, tenant, "billing.plan_chosen")
    assert actor == tenant.owner_email and after["trial_days"] == 14


def test_a_blank_or_unknown_plan_is_refused_beside_the_field(app, owner, tenant):
    for value in ("", "999999999", "²", "abc"):
        response = owner.post("/billing/start", {"plan_id": value})
        assert response.status_code == 422
        assert "Choose one of the plans offered." in response.get_data(as_text=True)
    assert _row(app, tenant) is None


def test_a_second_start_is_refused_and_changes_nothing(app, owner, tenant):
    first, second = make_plan(app), make_plan(app)
    assert owner.post("/billing/start", {"plan_id": first}).status_code == 303
    response = owner.post("/billing/start", {"plan_id": second})
    assert response.status_code == 409
    assert _row(app, tenant).plan_id == first


def test_a_plan_with_fewer_seats_than_in_use_is_refused(app, owner, tenant):
    small = make_plan(app, included_seats=1)
    add_user(app, tenant.info, role="agent")
    response = owner.post("/billing/start", {"plan_id": small})
    assert response.status_code == 422
    assert "includes 1 staff seats and your agency uses 2" in response.get_data(as_text=True)
    assert _row(app, tenant) is None


def test_only_the_owner_starts_a_plan_and_only_for_its_own_agency(app, visit, tenant, other_tenant):
    plan_id = make_plan(app)
    admin = add_user(app, tenant.info, role="admin")
    staff = visit(tenant)
    staff.login(admin.email)
    assert staff.post("/billing/start", {"plan_id": plan_id}).status_code == 403
    theirs = visit(other_tenant)
    theirs.login(other_tenant.owner_email)
    assert theirs.post("/billing/start", {"plan_id": plan_id}).status_code == 303
    assert _row(app, tenant) is None  # the other agency's owner started its own plan only
    assert _row(app, other_tenant).plan_id == plan_id


def test_a_read_only_agency_starts_no_plan(app, owner, tenant):
    plan_id = make_plan(app)
    with app.app_context():
        dunning.payment_failed(tenant.info.id)
        db.session.execute(
            db.update(dunning.Dunning)
            .where(dunning.Dunning.tenant_id == tenant.info.id)
            .values(state="read_only")
        )
        db.session.commit()
        dunning.forget(tenant.info.id)
    assert owner.post("/billing/start", {"plan_id": plan_id}).status_code == 409
    assert _row(app, tenant) is None


def test_a_superadmin_puts_an_agency_on_a_plan_from_the_console(app, console_as, tenant):
    plan_id = make_plan(app, trial_days=30)
    for role in ("finance", "support"):
        console = console_as(role)
        page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
        assert "Start the subscription" not in page
        url = f"/platform/agencies/{tenant.info.id}/billing/start"
        assert console.post(url, {"plan_id": plan_id}).status_code == 403
    console = console_as("superadmin")
    assert "Start the subscription" in console.get(f"/platform/agencies/{tenant.slug}").get_data(
        as_text=True
    )
    refused = console.post(f"/platform/agencies/{tenant.info.id}/billing/start", {"plan_id": ""})
    assert refused.status_code == 422
    assert "Choose one of the plans offered." in refused.get_data(as_text=True)
    response = console.post(
        f"/platform/agencies/{tenant.info.id}/billing/start", {"plan_id": plan_id}
    )
    assert response.status_code == 303
    work(app)
    assert _row(app, tenant).subscription_status == "trialing"
    [(_, actor, _)] = agency_entries(app, tenant, "billing.plan_chosen")
    assert actor.startswith("BailBondPro: ")
    missing = console.post("/platform/agencies/99999999/billing/start", {"plan_id": plan_id})
    assert missing.status_code == 404


def test_an_agency_whose_subscription_ended_subscribes_again_without_a_second_trial(
    app, clock, owner, tenant
):
    plan_id = make_plan(app, trial_days=14, monthly_price_cents=4900)
    assert owner.post("/billing/start", {"plan_id": plan_id}).status_code == 303
    work(app)
    first = _row(app, tenant)
    with app.app_context():
        stripe_api.client().v1.subscriptions.cancel(first.stripe_subscription_id)
    deliver_pending(app)
    assert _row(app, tenant).subscription_status == "canceled"
    page = owner.get("/billing/").get_data(as_text=True)
    assert "The subscription has ended" in page and "Start this plan" in page

    assert owner.post("/billing/start", {"plan_id": plan_id}).status_code == 303
    work(app)
    again = _row(app, tenant)
    assert again.stripe_subscription_id not in (None, first.stripe_subscription_id)
    assert again.stripe_customer_id == first.stripe_customer_id  # the same Stripe customer
    assert again.subscription_status == "incomplete"  # no second trial: billed from today
    assert "Amount owed $49.00" in page_text(owner.get("/billing/"))
    [_, (_, _, after)] = agency_entries(app, tenant, "billing.plan_chosen")
    assert after["trial_days"] == 0
    # A running subscription is not started again.
    assert owner.post("/billing/start", {"plan_id": plan_id}).status_code == 409
