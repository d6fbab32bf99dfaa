"""A suspended agency: every staff route shows the suspended page; what defendants and cosigners
depend on (the portal, check-in links, Twilio's callbacks) stays open. A closed one: nothing."""

from __future__ import annotations

import pytest

from bbp.platform import lifecycle
from bbp.platform.provisioning import set_status
from bbp.tenancy.resolver import OPEN_WHILE_SUSPENDED, open_while_suspended
from tests.routes import PUBLIC_TENANT_ENDPOINTS, tenant_routes

ROUTES = tenant_routes()
OPEN = [r for r in ROUTES if open_while_suspended(r.endpoint)]
SHUT = [r for r in ROUTES if not open_while_suspended(r.endpoint)]


@pytest.fixture(scope="module")
def suspended(app, module_tenant):
    with app.app_context():
        set_status(module_tenant.slug, "suspended", "unpaid invoices")
    yield module_tenant
    with app.app_context():
        set_status(module_tenant.slug, "active")


def test_every_open_entry_names_a_route_and_none_is_a_staff_page():
    endpoints = {r.endpoint for r in ROUTES}
    blueprints = {e.split(".")[0] for e in endpoints}
    assert endpoints | blueprints >= OPEN_WHILE_SUSPENDED  # a renamed route fails here
    staff = [str(r) for r in OPEN if r.required_role not in (None, "portal")]
    assert staff == []  # only pages for defendants, cosigners and Twilio
    # Outside the portal's blueprint, an open route is public (a texted link) or needs the
    # portal's own sign-in (paying online, bbp.merchant), never a staff one (checked above).
    outside_portal = {
        r.endpoint
        for r in OPEN
        if not r.endpoint.startswith("portal.") and r.required_role != "portal"
    }
    assert outside_portal <= PUBLIC_TENANT_ENDPOINTS
    assert {"checkins.public", "checkins.public_post", "messaging.twilio_inbound"} <= outside_portal
    assert "auth.login" not in {r.endpoint for r in OPEN}


@pytest.mark.parametrize("route", SHUT, ids=str)
def test_staff_routes_show_the_suspended_page(visit, suspended, route):
    visitor = visit(suspended)
    response = (
        visitor.post(route.path(), csrf=False)
        if route.method == "POST"
        else visitor.get(route.path())
    )
    assert response.status_code == 403
    assert "This account is suspended" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", OPEN, ids=str)
def test_the_defendants_routes_answer(visit, suspended, route):
    visitor = visit(suspended)
    if route.method == "POST":
        response = visitor.post(route.path(), csrf=False)
    else:
        response = visitor.get(route.path())
    assert "This account is suspended" not in response.get_data(as_text=True)
    assert response.status_code < 500


def test_a_closed_agency_answers_nothing_not_even_the_portal(app, visit, tenant):
    with app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "Agency closed", tenant.slug)
    for path in ("/login", "/portal/login", "/check-in/x", "/dashboard/"):
        response = visit(tenant).get(path)
        assert response.status_code == 410
        assert "This account is closed" in response.get_data(as_text=True)
