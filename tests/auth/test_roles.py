"""Sign-in and role requirements, checked over every tenant route in the URL map."""

from __future__ import annotations

import pytest

from bbp.auth.models import ROLES
from tests.routes import protected_routes
from tests.support import add_user


@pytest.fixture(scope="module")
def staff(app, module_tenant) -> dict:
    """One staff member per role, and a viewer for routes that act on someone, shared by the
    module: the sweeps post empty forms, which change nothing, so sharing is safe and fast."""
    people = {role: add_user(app, module_tenant.info, role) for role in ROLES}
    people["target"] = add_user(app, module_tenant.info, "viewer")
    return people


@pytest.mark.parametrize("route", protected_routes(), ids=str)
def test_signed_out_visitors_are_sent_to_sign_in(visit, module_tenant, route):
    visitor = visit(module_tenant)
    path = route.path()
    response = visitor.get(path) if route.method == "GET" else visitor.post(path, {})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", [r for r in protected_routes() if r.method == "GET"], ids=str)
def test_htmx_requests_when_signed_out_get_a_client_redirect(visit, module_tenant, route):
    response = visit(module_tenant).get(route.path(user_id=1), htmx=True)
    assert response.status_code == 401
    assert "/login" in response.headers["HX-Redirect"]


def _role_cases():
    for route in protected_routes():
        if route.required_role is None:
            continue
        for role in ROLES:
            yield pytest.param(route, role, id=f"{route}-{role}")


@pytest.mark.parametrize(("route", "role"), list(_role_cases()))
def test_each_route_enforces_its_role(visit, module_tenant, staff, route, role):
    user, target = staff[role], staff["target"]
    visitor = visit(module_tenant)
    visitor.login(user.email)
    path = route.path(user_id=target.id)
    response = visitor.get(path) if route.method == "GET" else visitor.post(path, {})
    allowed = ROLES.index(role) >= ROLES.index(route.required_role)
    if allowed:
        assert response.status_code != 403
    else:
        assert response.status_code == 403
        assert f"needs the {route.required_role} role" in response.get_data(as_text=True)


def test_every_protected_route_declares_a_role():
    missing = [
        str(r)
        for r in protected_routes()
        if r.required_role is None and r.endpoint != "auth.logout"
    ]
    assert missing == []
