"""Every console route, from each admin role, from agency staff and from no one."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from bbp.platform.roles import ADMIN_ROLES
from tests.platform.conftest import add_admin, sign_in_admin
from tests.routes import PUBLIC_PLATFORM_ENDPOINTS, platform_routes
from tests.support import PASSWORD, Visitor, host_of

GUARDED = [r for r in platform_routes() if r.endpoint not in PUBLIC_PLATFORM_ENDPOINTS]


def test_every_console_route_names_its_roles():
    assert GUARDED, "the console has routes"
    unguarded = [str(r) for r in GUARDED if not r.required_role]
    assert not unguarded, f"console routes without @admin_required: {unguarded}"


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_signed_out_visitors_are_sent_to_the_console_sign_in(visit, route):
    console = visit("admin")
    response = console.post(route.path()) if route.method == "POST" else console.get(route.path())
    assert response.status_code == 302
    assert "/platform/login" in response.headers["Location"]


@pytest.fixture(scope="module")
def agency_owner(app, module_tenant):
    """The module's agency owner, signed in on the agency's host (one sign-in for the sweep)."""
    client = app.test_client()
    visitor = Visitor(client, host_of(module_tenant.info))
    assert visitor.login(module_tenant.owner_email).status_code == 302
    return visitor


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_agency_staff_sessions_mean_nothing_on_the_console(app, agency_owner, route):
    """An agency's session carried to admin.<domain> is no session there (cookies are bound to
    their host), and on the agency's own host the console does not exist (404)."""
    client = app.test_client()
    cookie = agency_owner.session_cookie().value
    client.set_cookie("session", cookie, domain="admin.localhost")
    response = client.open(route.path(), method=route.method, base_url="http://admin.localhost")
    assert response.status_code in (302, 400)  # signed out, or a POST without a form token
    staff_side = (
        agency_owner.get(route.path()) if route.method == "GET" else agency_owner.post(route.path())
    )
    assert staff_side.status_code == 404  # the console does not exist on agency hosts


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_each_role_reaches_exactly_its_routes(console_as, role):
    console = console_as(role)
    for route in GUARDED:
        allowed = role in route.required_role
        if route.method == "GET":
            status = console.get(route.path()).status_code
            assert (status == 403) != allowed, f"{role} {route}: {status}"
            assert status < 500, f"{role} {route}: {status}"
        elif not allowed:  # POSTs are tried only where refused: an allowed one would act
            status = console.post(route.path()).status_code
            assert status == 403, f"{role} {route}: {status}"


@pytest.fixture(scope="module")
def half_signed_in(app):
    """A superadmin's session after the right password, before the second step (both kinds)."""
    sessions, emails = [], []
    for enrolled in (False, True):
        emails.append(email := add_admin(app, "superadmin"))
        if enrolled:
            sign_in_admin(Visitor(app.test_client(), "admin.localhost"), email)
        console = Visitor(app.test_client(), "admin.localhost")
        response = console.login(email, PASSWORD, path="/platform/login")
        assert "/platform/two-step" in response.location
        sessions.append(console)
    yield sessions
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email.in_(emails)))
        db.session.commit()


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_a_half_signed_in_session_reaches_no_console_route(half_signed_in, route):
    for console in half_signed_in:
        if route.method == "POST":
            response = console.post(route.path())
        else:
            response = console.get(route.path())
        assert response.status_code == 302, route
        assert "/platform/login" in response.headers["Location"]
