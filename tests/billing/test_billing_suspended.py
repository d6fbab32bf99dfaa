"""Billing-suspended: staff cannot sign in and see why and whom to write to; the portal, signing,
check-in links and Twilio's webhooks answer as before, and a reminder due is still sent."""

from __future__ import annotations

import pytest

from bbp.billing import dunning
from bbp.billing.enforcement import READ_ONLY_MESSAGE
from tests.billing.sweep import DEFENDANT_ROUTES, SUSPENDED_PAGE, put_in, send, signed_in_owner
from tests.reminders.test_suspension import DAY_BEFORE, _texts, _tick, booked  # noqa: F401
from tests.routes import tenant_routes

STAFF_ROUTES = [
    r for r in tenant_routes() if r not in DEFENDANT_ROUTES and r.endpoint != "auth.logout"
]


@pytest.fixture(scope="module")
def shut_module(app, module_tenant):
    yield module_tenant
    put_in(app, module_tenant, "active")


@pytest.fixture
def shut(app, shut_module):
    """The module's agency, billing-suspended (other tests here move it between states)."""
    with app.app_context():
        if dunning.state_of(shut_module.info.id) != "billing_suspended":
            put_in(app, shut_module, "billing_suspended")
    return shut_module


def test_sign_in_is_refused_with_the_reason_and_a_contact(app, visit, shut):
    visitor = visit(shut)
    page = visitor.get("/login")
    body = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "suspended for non-payment" in body and "no-reply@bbp.example" in body
    assert "court reminders, check-ins, the client portal and document signing" in body
    response = visitor.post("/login", {"email": shut.owner_email, "password": "x"}, csrf=False)
    assert response.status_code == 403
    assert SUSPENDED_PAGE in response.get_data(as_text=True)


def test_a_signed_in_owner_is_shut_out_at_the_next_page(app, module_other_tenant):
    owner = signed_in_owner(app, module_other_tenant)
    put_in(app, module_other_tenant, "billing_suspended")
    try:
        response = owner.get("/bonds/")
        assert response.status_code == 403
        assert SUSPENDED_PAGE in response.get_data(as_text=True)
        assert owner.post("/logout").status_code == 302  # signing out still works
    finally:
        put_in(app, module_other_tenant, "active")
    assert signed_in_owner(app, module_other_tenant).get("/bonds/").status_code == 200


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=str)
def test_every_staff_route_shows_the_billing_page(visit, shut, route):
    response = send(visit(shut), route, csrf=False)  # the page comes before any form is read
    assert response.status_code == 403, route
    assert SUSPENDED_PAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("state", ["past_due", "read_only", "billing_suspended"])
@pytest.mark.parametrize("route", DEFENDANT_ROUTES, ids=str)
def test_defendant_facing_routes_answer_in_every_state(app, visit, module_tenant, state, route):
    put_in(app, module_tenant, state)
    response = send(visit(module_tenant), route, csrf=False)
    body = response.get_data(as_text=True)
    assert SUSPENDED_PAGE not in body and READ_ONLY_MESSAGE.split(":")[0] not in body
    assert response.status_code < 500


def test_a_reminder_due_while_billing_suspended_is_still_sent(app, redis, clock, booked):  # noqa: F811
    put_in(app, booked, "billing_suspended")
    assert _tick(app, redis, clock, DAY_BEFORE) >= 1
    sent = [t for t in _texts(app, booked) if t[1] == "sent"]
    assert len(sent) == 1
    assert "Thursday, December 3 at 9:30 AM" in sent[0][2]


def test_an_htmx_request_gets_the_reason_as_a_notice(visit, shut):
    response = visit(shut).get("/bonds/?q=doe", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "<html" not in body
    assert SUSPENDED_PAGE in body and response.headers["HX-Retarget"] == "#flash"
