"""The console's dunning: the agency page shows the state and its dates, the list filters by
billing standing, and superadmins (only, and only without a Stripe key) simulate payments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bbp.billing import dunning
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from tests.billing.sweep import put_in
from tests.platform.conftest import page_text


def _simulate(console, agency, outcome: str, htmx: bool = False):
    console.get(f"/platform/agencies/{agency.slug}")
    path = f"/platform/agencies/{agency.info.id}/billing/simulate-{outcome}"
    return console.post(path, htmx=htmx)


def test_the_agency_page_shows_the_dunning_state_and_dates(app, console_as, tenant):
    console = console_as("finance")
    text = page_text(console.get(f"/platform/agencies/{tenant.slug}"))
    assert "Billing standing Dunning Paid up" in text
    put_in(app, tenant, "read_only")
    text = page_text(console.get(f"/platform/agencies/{tenant.slug}"))
    assert "Read-only" in text and "Past due since" in text and "Read-only since" in text
    assert "Simulate a failed payment" not in text  # finance reads, never acts


def test_a_superadmin_watches_dunning_happen_and_it_is_audited(app, console_as, tenant):
    console = console_as("superadmin")
    assert "Simulate a failed payment" in page_text(
        console.get(f"/platform/agencies/{tenant.slug}")
    )
    response = _simulate(console, tenant, "failure", htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Past due" in body
    assert page_text(_simulate(console, tenant, "recovery", htmx=True)).count("Paid up") == 1
    response = _simulate(console, tenant, "failure")
    assert response.status_code == 302 and response.headers["Location"].endswith("#dunning")
    with app.app_context():
        assert dunning.state_of(tenant.info.id) == "past_due"
        actions = db.session.scalars(
            select(PlatformAuditEntry.action)
            # By kind and id: the admin's own sign-in entries target the admin, whose id may
            # equal the agency's.
            .where(PlatformAuditEntry.target_type == "tenant")
            .where(PlatformAuditEntry.target_id == str(tenant.info.id))
            .where(PlatformAuditEntry.actor_label == console.email)
            .order_by(PlatformAuditEntry.id)
        ).all()
    assert actions == [
        "billing.simulated_failure",
        "dunning.past_due",
        "billing.simulated_recovery",
        "dunning.active",
        "billing.simulated_failure",
        "dunning.past_due",
    ]


@pytest.mark.parametrize("role", ["support", "finance"])
def test_only_superadmins_may_simulate(app, console_as, tenant, role):
    console = console_as(role)
    assert _simulate(console, tenant, "failure").status_code == 403
    with app.app_context():
        assert dunning.state_of(tenant.info.id) == "active"


def test_with_a_stripe_key_the_buttons_are_gone(app, console_as, tenant, monkeypatch):
    console = console_as("superadmin")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_configured")
    assert "Simulate" not in page_text(console.get(f"/platform/agencies/{tenant.slug}"))
    assert _simulate(console, tenant, "failure").status_code == 404
    with app.app_context():
        assert dunning.state_of(tenant.info.id) == "active"


def test_simulating_for_a_missing_agency_is_a_404(console_as):
    console = console_as("superadmin")
    console.get("/platform/")
    assert console.post("/platform/agencies/987654/billing/simulate-failure").status_code == 404


def test_the_list_filters_by_billing_standing(app, console_as, tenant, other_tenant):
    put_in(app, other_tenant, "past_due")
    console = console_as("finance")
    past_due = page_text(console.get("/platform/?billing=past_due"))
    assert other_tenant.slug in past_due and tenant.slug not in past_due
    paid = page_text(console.get("/platform/?billing=active", htmx=True))
    assert tenant.slug in paid and other_tenant.slug not in paid
    everyone = page_text(console.get("/platform/?billing=nonsense"))
    assert tenant.slug in everyone and other_tenant.slug in everyone
