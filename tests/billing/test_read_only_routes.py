"""Read-only over the URL map: every state-changing staff route off the allowed list is refused
with the read-only message; every allowed one, every page and every defendant-facing route works."""

from __future__ import annotations

import pytest

from bbp.billing.enforcement import ALWAYS_OPEN, READ_ONLY_ALLOWED, READ_ONLY_MESSAGE
from tests.billing.sweep import DEFENDANT_ROUTES, put_in, send, signed_in_owner
from tests.routes import PUBLIC_TENANT_ENDPOINTS, protected_routes, tenant_routes

CHANGES = [r for r in protected_routes() if r.method != "GET"]
PASSES = READ_ONLY_ALLOWED | ALWAYS_OPEN  # ALWAYS_OPEN: a support session's own way out
REFUSED = [r for r in CHANGES if r.endpoint not in PASSES]
ALLOWED = [r for r in CHANGES if r.endpoint in PASSES]
PAGES = [r for r in protected_routes() if r.method == "GET"]
# New business: what read-only exists to stop (a route moved onto the allowed list fails here).
NEW_BUSINESS = {
    "bonds.start",
    "bonds.write",
    "defendants.create",
    "indemnitors.create",
    "dataio.upload",
    "dataio.run",
    "staff.invite_post",
    "settings.save",
    "reminders.save",
    "documents.save",
    "powers.create_batch",
}
# What protects people: a route taken off the allowed list fails here.
PEOPLE_PROTECTING = {
    "courts.create",
    "courts.update",
    "courts.save_outcome",
    "checkins.save_schedule",
    "collateral.mark_returned",
    "payments.create",
    "payments.void",
    "documents.ask_defendant",
    "signatures.send",
    "defendants.update",
}
MESSAGE_START = READ_ONLY_MESSAGE.split(":")[0]


@pytest.fixture(scope="module")
def read_only(app, module_tenant):
    put_in(app, module_tenant, "read_only")
    yield module_tenant
    put_in(app, module_tenant, "active")


def test_the_allowed_list_names_real_routes_and_keeps_new_business_out():
    endpoints = {r.endpoint for r in tenant_routes()}
    assert endpoints >= READ_ONLY_ALLOWED  # a renamed route fails here
    assert not NEW_BUSINESS & READ_ONLY_ALLOWED
    assert {r.endpoint for r in REFUSED} >= NEW_BUSINESS
    assert PEOPLE_PROTECTING <= READ_ONLY_ALLOWED
    assert REFUSED and ALLOWED


@pytest.mark.parametrize("route", REFUSED, ids=str)
def test_new_business_is_refused_with_the_reason(app, read_only, route):
    response = send(signed_in_owner(app, read_only), route)
    assert response.status_code == 409, response.get_data(as_text=True)[:300]
    assert MESSAGE_START in response.get_data(as_text=True)


def test_an_htmx_refusal_is_a_notice_that_keeps_the_page(app, read_only):
    owner = signed_in_owner(app, read_only)
    response = owner.post("/bonds/new", {"first_name": "Dana"}, htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flash"
    assert "<html" not in response.get_data(as_text=True)


@pytest.mark.parametrize("route", ALLOWED, ids=str)
def test_the_writes_that_protect_people_still_go_through(app, read_only, route):
    response = send(signed_in_owner(app, read_only), route)
    assert MESSAGE_START not in response.get_data(as_text=True)
    assert response.status_code < 500


@pytest.mark.parametrize("route", PAGES, ids=str)
def test_every_staff_page_still_reads(app, read_only, route):
    response = send(signed_in_owner(app, read_only), route)
    assert response.status_code != 409
    assert MESSAGE_START not in response.get_data(as_text=True)
    assert response.status_code < 500


@pytest.mark.parametrize("route", DEFENDANT_ROUTES, ids=str)
def test_defendant_facing_routes_are_untouched(app, visit, read_only, route):
    response = send(visit(read_only), route, csrf=False)
    body = response.get_data(as_text=True)
    assert MESSAGE_START not in body and "suspended for non-payment" not in body
    assert response.status_code < 500


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_TENANT_ENDPOINTS - {"auth.logout"}))
def test_sign_in_and_the_public_pages_work_while_read_only(app, visit, read_only, endpoint):
    for route in [r for r in tenant_routes() if r.endpoint == endpoint]:
        response = send(visit(read_only), route)
        assert MESSAGE_START not in response.get_data(as_text=True), route
        assert response.status_code < 500
