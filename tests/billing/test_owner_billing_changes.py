"""Plan changes with Stripe's proration (owner and console), refused beyond the seats in use,
and audited in the platform log and the agency's log."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from bbp.audit.log import lines
from bbp.audit.models import AuditEntry
from bbp.billing import services, stripe_api
from bbp.billing.fake_proration import prorated
from bbp.billing.fake_resources import StripeFault
from bbp.billing.fake_stripe import FakeStripe
from bbp.billing.models import Plan
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound
from tests.billing.owner_support import account, paid_up, subscribe
from tests.billing.support import calls, make_plan, plan
from tests.billing.sweep import put_in
from tests.support import add_user

PREVIEW_TOKEN = re.compile(r'name="preview_token" value="([^"]+)"')


def previewed_at(app, page: str) -> tuple[str, int]:
    """The preview's signed token in the page, and the second it prorates from."""
    token = PREVIEW_TOKEN.search(page).group(1)
    return token, URLSafeSerializer(app.secret_key, salt="bbp-plan-preview").loads(token)["at"]


def audit_of(app, agency, action: str) -> tuple[list, list]:
    """The entries of `action` in the platform log (for the agency) and in the agency's log."""
    with app.app_context():
        platform = db.session.scalars(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == action,
                PlatformAuditEntry.target_id == str(agency.info.id),
            )
        ).all()
        db.session.expunge_all()
        db.session.rollback()
        with bound(agency.info, db.session):
            own = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
            db.session.expunge_all()
    return platform, own


@pytest.fixture
def on_small_plan(app, clock, tenant):
    """The agency on a paid $100 plan, ten days into its period; a $200 plan to move to."""
    subscribe(app, tenant, monthly_price_cents=10000, trial_days=0, included_seats=2)
    paid_up(app, tenant)
    clock.advance(days=10)
    return make_plan(app, monthly_price_cents=20000, included_seats=5, trial_days=0)


def test_the_preview_shows_what_changes_and_stripes_proration(
    app, clock, owner, tenant, on_small_plan
):
    before = account(app, tenant)
    with app.app_context():
        sub = stripe_api.client().v1.subscriptions.retrieve(before.stripe_subscription_id)
    item = sub["items"].data[0]
    start, end, at = item.current_period_start, item.current_period_end, int(clock.now.timestamp())
    credit, charge = prorated(10000, start, end, at), prorated(20000, start, end, at)
    response = owner.get(f"/billing/plan?plan_id={on_small_plan}", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body  # the fragment
    assert "Staff seats" in body and "$200.00" in body
    assert f"-${credit / 100:,.2f}" in body and f"${charge / 100:,.2f}" in body
    assert f"${(charge - credit + 20000) / 100:,.2f}" in body  # the next invoice, all told
    assert previewed_at(app, body)[1] == at


def test_a_confirmed_change_moves_the_subscription_as_previewed(
    app, clock, owner, tenant, on_small_plan
):
    target, before = plan(app, on_small_plan), account(app, tenant)
    page = owner.get(f"/billing/plan?plan_id={on_small_plan}").get_data(as_text=True)
    token, at = previewed_at(app, page)
    clock.advance(minutes=5)  # the owner reads the preview before confirming
    response = owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": token})
    assert response.status_code == 303
    after = account(app, tenant)
    assert (after.plan_id, after.stripe_price_id) == (target.id, target.stripe_price_id)
    with app.app_context():  # the texts item moves to the new plan's metered price too
        moved = stripe_api.client().v1.subscriptions.retrieve(after.stripe_subscription_id)
    assert target.stripe_overage_price_id and before.stripe_overage_price_id
    assert stripe_api.metered_item(moved).price.id == target.stripe_overage_price_id
    assert after.stripe_overage_price_id == target.stripe_overage_price_id
    sub_path = f"/v1/subscriptions/{after.stripe_subscription_id}"
    keys = [key for _, _, key in calls(app, "POST", sub_path)]
    version = int(before.updated_at.timestamp() * 1_000_000)
    assert (
        f"bbp-agency-{tenant.info.id}-{after.stripe_subscription_id}-v{version}-"
        f"{before.stripe_price_id}-to-{target.stripe_price_id}-at-{at}" in keys
    )
    with app.app_context():
        preview = stripe_api.client().v1.invoices.create_preview(
            params={
                "customer": after.stripe_customer_id,
                "subscription": after.stripe_subscription_id,
            }
        )
    prorations = [
        line for line in preview.lines.data if line.parent.subscription_item_details.proration
    ]
    assert [line.period.start for line in prorations] == [int(at), int(at)]  # as previewed
    platform, own = audit_of(app, tenant, "billing.plan_changed")
    assert len(platform) == 1 and len(own) == 1
    assert platform[0].after["plan"] == target.name and platform[0].after["source"] == "owner"
    assert tenant.owner_email not in platform[0].actor_label  # the platform log names no staff
    assert own[0].actor_label == tenant.owner_email
    with app.app_context(), bound(tenant.info, db.session):
        sentence = lines(own)[0].sentence
    assert f"to {target.name}" in sentence


def test_a_plan_with_fewer_seats_than_in_use_is_refused_beside_the_field(
    app, owner, tenant, on_small_plan
):
    tiny = make_plan(app, included_seats=1, trial_days=0)
    add_user(app, tenant.info, role="agent")
    response = owner.get(f"/billing/plan?plan_id={tiny}")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="plan_id-error"' in body and "includes 1 staff seats and 2 are in use" in body
    before = account(app, tenant)
    refused = owner.post("/billing/plan", {"plan_id": tiny, "preview_token": ""})
    assert refused.status_code == 422 and account(app, tenant).plan_id == before.plan_id


def test_a_stale_preview_is_previewed_again(app, clock, owner, tenant, on_small_plan):
    page = owner.get(f"/billing/plan?plan_id={on_small_plan}").get_data(as_text=True)
    token, _ = previewed_at(app, page)
    clock.advance(hours=2)
    response = owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": token})
    assert response.status_code == 422 and "review the change again" in response.get_data(
        as_text=True
    )


def test_a_read_only_agency_changes_no_plan_but_fixes_its_card_and_cancels(
    app, owner, tenant, on_small_plan
):
    put_in(app, tenant, "read_only")
    try:
        assert owner.post("/billing/plan", {"plan_id": on_small_plan}).status_code == 409
        assert owner.get("/billing/").status_code == 200
        assert owner.post("/billing/card").status_code == 303
        assert owner.post("/billing/cancel").status_code == 303
        assert owner.post("/billing/keep").status_code == 303
    finally:
        put_in(app, tenant, "active")
    platform, own = audit_of(app, tenant, "billing.cancel_scheduled")
    assert len(platform) == len(own) == 1
    platform, own = audit_of(app, tenant, "billing.cancel_undone")
    assert len(platform) == len(own) == 1


def test_the_console_moves_an_agency_to_its_plans_current_price(app, console_as, tenant):
    plan_id = subscribe(app, tenant, monthly_price_cents=10000, trial_days=0)
    old_price = account(app, tenant).stripe_price_id
    with app.app_context():
        fields = services.snapshot(db.session.get(Plan, plan_id)) | {"monthly_price_cents": 12000}
        changed = services.update_plan(plan_id, fields, "test")
        new_price = changed.stripe_price_id
    assert account(app, tenant).stripe_price_id == old_price  # kept until moved explicitly
    for role in ("finance", "support"):
        console = console_as(role)
        page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
        assert "Move the subscription" not in page
        assert (
            console.post(
                f"/platform/agencies/{tenant.info.id}/billing/plan", {"plan_id": plan_id}
            ).status_code
            == 403
        )
    console = console_as("superadmin")
    page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
    assert "Move the subscription" in page and "(its plan's current price)" in page
    response = console.post(
        f"/platform/agencies/{tenant.info.id}/billing/plan", {"plan_id": plan_id}
    )
    assert response.status_code == 303
    assert account(app, tenant).stripe_price_id == new_price
    platform, own = audit_of(app, tenant, "billing.plan_changed")
    assert platform[0].actor_label == console.email and platform[0].after["source"] == "console"
    assert own[0].actor_label == "BailBondPro: Superadmin Admin"  # as every console action
    assert account(app, tenant).price_cents == 12000
    again = console.post(f"/platform/agencies/{tenant.info.id}/billing/plan", {"plan_id": plan_id})
    assert again.status_code == 422 and "Choose one of the plans offered" in again.get_data(
        as_text=True
    )


def test_stripe_down_changes_nothing_and_says_so(app, owner, tenant, on_small_plan, monkeypatch):
    before = account(app, tenant)

    def down(self, method, path, params):
        raise StripeFault(503, "Stripe is having a moment.", "api_error")

    monkeypatch.setattr(FakeStripe, "_route", down)
    preview = owner.get(f"/billing/plan?plan_id={on_small_plan}", htmx=True)
    assert preview.status_code == 503
    assert "Billing is unavailable right now" in preview.get_data(as_text=True)
    moved = owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": ""})
    assert moved.status_code == 503 and "nothing was changed" in moved.get_data(as_text=True)
    cancel = owner.post("/billing/cancel", follow_redirects=True)
    assert "Billing is unavailable right now" in cancel.get_data(as_text=True)
    after = account(app, tenant)
    assert (after.plan_id, after.cancel_at_period_end) == (before.plan_id, False)
    assert audit_of(app, tenant, "billing.plan_changed") == ([], [])


def _stripe_price(app, sub_id: str) -> str:
    with app.app_context():
        sub = stripe_api.client().v1.subscriptions.retrieve(sub_id)
        return stripe_api.licensed_item(sub).price.id


def test_an_old_preview_confirmed_again_after_other_changes_moves_stripe_too(
    app, clock, owner, tenant, on_small_plan
):
    small = account(app, tenant).plan_id
    big_page = owner.get(f"/billing/plan?plan_id={on_small_plan}").get_data(as_text=True)
    big_token, _ = previewed_at(app, big_page)
    owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": big_token})
    clock.advance(minutes=2)
    small_page = owner.get(f"/billing/plan?plan_id={small}").get_data(as_text=True)
    small_token, _ = previewed_at(app, small_page)
    owner.post("/billing/plan", {"plan_id": small, "preview_token": small_token})
    clock.advance(minutes=2)
    # Back to the first preview, confirmed again: a new change, never Stripe's stale answer.
    again = owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": big_token})
    assert again.status_code == 303
    row = account(app, tenant)
    assert row.stripe_price_id == _stripe_price(app, row.stripe_subscription_id)
    assert row.plan_id == on_small_plan


def test_a_preview_token_for_another_plan_or_altered_is_refused(
    app, clock, owner, tenant, on_small_plan, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    other = make_plan(app, monthly_price_cents=30000, included_seats=5, trial_days=0)
    page = owner.get(f"/billing/plan?plan_id={other}").get_data(as_text=True)
    token, at = previewed_at(app, page)
    forged = URLSafeSerializer("not the key", salt="bbp-plan-preview").dumps(
        {"agency": tenant.info.id, "plan": on_small_plan, "at": at - 1800}
    )
    before = account(app, tenant)
    for sent in (token, forged, "99999999999999999999", "\u00b2", "1" * 400):
        response = owner.post("/billing/plan", {"plan_id": on_small_plan, "preview_token": sent})
        assert response.status_code == 422, sent
        assert "review the change again" in response.get_data(as_text=True)
    assert account(app, tenant).stripe_price_id == before.stripe_price_id


def test_odd_plan_ids_are_refused_beside_the_field_never_a_500(
    app, clock, owner, console_as, tenant, on_small_plan, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    console = console_as("superadmin")
    for odd in ("\u00b2", "99999999999999999999", "-1", "0"):
        assert owner.get("/billing/plan", query_string={"plan_id": odd}).status_code == 422
        moved = console.post(f"/platform/agencies/{tenant.info.id}/billing/plan", {"plan_id": odd})
        assert moved.status_code == 422
        assert console.get("/platform/", query_string={"plan": odd}).status_code == 200
    assert console.post("/platform/agencies/99999999999/billing/plan").status_code == 404


def test_the_platform_log_keeps_no_address_or_browser_of_the_agencys_owner(
    app, owner, tenant, on_small_plan
):
    owner.post(
        "/billing/cancel",
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "OwnersPhone/1.0"},
    )
    platform, own = audit_of(app, tenant, "billing.cancel_scheduled")
    assert (platform[0].ip, platform[0].user_agent) == (None, None)
    assert own[0].user_agent == "OwnersPhone/1.0"  # the agency's own log keeps its own
