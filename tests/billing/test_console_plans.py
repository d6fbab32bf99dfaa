"""The console's plans and an agency's billing section, from each role."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy import select

from bbp.billing import accounts, services
from bbp.billing.models import BillingAccount, Plan
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy.models import Tenant
from tests.billing.support import make_plan, plan, plan_fields
from tests.platform.archive_support import work


def form(**changes) -> dict:
    return {
        "name": f"Console {uuid.uuid4().hex[:8]}",
        "monthly_price": "149.00",
        "included_seats": "10",
        "included_texts": "2500",
        "text_overage_cents": "1.25",
        "trial_days": "30",
        "active": "y",
    } | changes


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_superadmin_creates_a_plan(app, console_as):
    console = console_as("superadmin")
    console.get("/platform/plans/new")
    fields = form()
    response = console.post("/platform/plans/new", fields)
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Plan).where(Plan.name == fields["name"]))
        assert (made.monthly_price_cents, made.included_seats, made.trial_days) == (14900, 10, 30)
        assert str(made.text_overage_cents) == "1.2500" and made.stripe_price_id
        entry = db.session.scalar(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == "plan.created",
                PlatformAuditEntry.target_id == str(made.id),
            )
        )
        assert entry.actor_label == console.email
    listing = text_of(console.get("/platform/plans"))
    assert fields["name"] in listing and "$149.00" in listing and "1.25¢" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the plan's name."),
        ("monthly_price", "12.345", "fractions of a cent"),
        ("monthly_price", "abc", "Enter an amount"),
        ("included_seats", "0", "between 1 and 10,000 seats"),
        ("included_texts", "-1", "between 0 and 10,000,000 texts"),
        ("text_overage_cents", "1.23456", "at most four decimals"),
        ("text_overage_cents", "-1", "cannot be negative"),
        ("trial_days", "731", "0 to 730 days"),
    ],
)
def test_bad_plan_input_is_refused_beside_its_field(console_as, field, value, message):
    console = console_as("superadmin")
    console.get("/platform/plans/new")
    fields = form(**{field: value})
    response = console.post("/platform/plans/new", fields)
    page = text_of(response)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    assert fields["name"] in page or field == "name"  # what was typed is kept


def test_a_duplicate_name_is_refused_beside_the_name(app, console_as):
    taken = plan(app, make_plan(app)).name
    console = console_as("superadmin")
    console.get("/platform/plans/new")
    response = console.post("/platform/plans/new", form(name=taken))
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)


def test_editing_the_price_makes_a_new_price_and_is_audited(app, console_as):
    plan_id = make_plan(app, monthly_price_cents=9900)
    before = plan(app, plan_id)
    console = console_as("superadmin")
    page = text_of(console.get(f"/platform/plans/{plan_id}"))
    assert 'value="99.00"' in page and before.name in page
    response = console.post(
        f"/platform/plans/{plan_id}", form(name=before.name, monthly_price="119.00")
    )
    assert response.status_code == 302
    after = plan(app, plan_id)
    assert after.monthly_price_cents == 11900 and after.stripe_price_id != before.stripe_price_id
    with app.app_context():
        actions = db.session.scalars(
            select(PlatformAuditEntry.action).where(
                PlatformAuditEntry.target_type == "plan",
                PlatformAuditEntry.target_id == str(plan_id),
            )
        ).all()
    assert "plan.price_changed" in actions


@pytest.mark.parametrize("role", ["finance", "support"])
def test_finance_and_support_read_plans_and_change_none(app, console_as, role):
    plan_id = make_plan(app)
    name = plan(app, plan_id).name
    console = console_as(role)
    listing = console.get("/platform/plans")
    assert listing.status_code == 200 and name in text_of(listing)
    assert "New plan" not in text_of(listing)
    assert console.get(f"/platform/plans/{plan_id}").status_code == 403
    console.get("/platform/plans")
    refused = console.post(f"/platform/plans/{plan_id}", form(name="Hijacked"))
    assert refused.status_code == 403
    assert plan(app, plan_id).name == name


def test_an_unknown_plan_is_a_404(console_as):
    assert console_as("superadmin").get("/platform/plans/999999").status_code == 404


@pytest.fixture
def new_slug(app):
    slug = f"billed-{uuid.uuid4().hex[:8]}"
    yield slug
    with app.app_context():
        drop_tenant(slug)


AGENCY = {
    "name": "Harbor Bail Bonds",
    "state": "FL",
    "timezone": "America/Chicago",
    "owner_email": "dana@harbor.example",
    "owner_name": "Dana Harbor",
}


def test_an_agency_created_on_a_plan_starts_its_trial(app, console_as, redis, new_slug):
    plan_id = make_plan(app, trial_days=14)
    console = console_as("superadmin")
    assert plan(app, plan_id).name in text_of(console.get("/platform/new-agency"))
    response = console.post("/platform/new-agency", AGENCY | {"slug": new_slug, "plan_id": plan_id})
    assert response.status_code == 302
    page = text_of(console.get(f"/platform/agencies/{new_slug}"))
    assert "Being opened" in page
    work(app)
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == new_slug))
        account = db.session.get(BillingAccount, tenant_id)
        assert account.plan_id == plan_id and account.subscription_status == "trialing"
    page = text_of(console.get(f"/platform/agencies/{new_slug}"))
    assert plan(app, plan_id).name in page and "Trial" in page
    trial_end = re.search(r"<dt>Trial ends</dt><dd>([^<]+)</dd>", page).group(1)
    assert trial_end.endswith(str(account.trial_ends_at.year))  # a date, not "—"


def test_a_retired_plan_is_refused_beside_the_plan_and_nothing_is_made(app, console_as, new_slug):
    retired = make_plan(app, active=False)
    console = console_as("superadmin")
    console.get("/platform/new-agency")
    response = console.post("/platform/new-agency", AGENCY | {"slug": new_slug, "plan_id": retired})
    assert response.status_code == 422
    assert 'id="plan_id-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == new_slug)) is None


def test_an_agency_without_a_plan_says_so(console_as, tenant):
    page = text_of(console_as("support").get(f"/platform/agencies/{tenant.slug}"))
    assert "is on no plan yet" in page


def test_the_agency_page_says_when_it_pays_an_earlier_price(app, console_as, tenant):
    plan_id = make_plan(app, monthly_price_cents=9900)
    with app.app_context():
        accounts.choose_plan(tenant.info.id, plan_id, "test")
        accounts.subscribe(tenant.info.id)
    console = console_as("finance")
    assert "on an earlier price" not in text_of(console.get(f"/platform/agencies/{tenant.slug}"))
    with app.app_context():
        name = plan(app, plan_id).name
        services.update_plan(plan_id, plan_fields(name=name, monthly_price_cents=10900), "t")
    page = text_of(console.get(f"/platform/agencies/{tenant.slug}"))
    assert "on an earlier price" in page and "$109.00 a month" in page
