"""The platform console on admin.<domain>: its own sign-in, separate from every agency."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from tests.platform.conftest import sign_in_admin
from tests.support import PASSWORD

ADMIN = "ops@bbp.example"


@pytest.fixture
def platform_admin(app):
    with app.app_context():
        admin = PlatformAdmin(email=ADMIN, name="Ops")
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    yield ADMIN
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == ADMIN))
        db.session.commit()


def test_platform_admin_signs_in_and_sees_agencies(visit, platform_admin, tenant, other_tenant):
    console = visit("admin")
    response = sign_in_admin(console, platform_admin)
    assert response.status_code == 200  # first sign-in: enrolled, shown the recovery codes
    page = console.get("/platform/").get_data(as_text=True)
    assert tenant.name in page and other_tenant.name in page
    fragment = console.get(f"/platform/?q={tenant.slug}", htmx=True).get_data(as_text=True)
    assert tenant.name in fragment and other_tenant.name not in fragment and "<html" not in fragment


def test_wrong_platform_password_is_refused(visit, platform_admin):
    response = visit("admin").login(platform_admin, "nope nope nope", path="/platform/login")
    assert response.status_code == 422


def test_console_needs_sign_in(visit):
    response = visit("admin").get("/platform/")
    assert response.status_code == 302
    assert "/platform/login" in response.headers["Location"]


def test_agency_staff_cannot_use_their_session_on_the_console(app, owner, tenant):
    cookie = owner.session_cookie().value
    client = app.test_client()
    client.set_cookie("session", cookie, domain="admin.localhost")
    assert client.get("/platform/", base_url="http://admin.localhost").status_code == 302


def test_platform_session_is_worthless_on_an_agency(app, visit, platform_admin, tenant):
    console = visit("admin")
    sign_in_admin(console, platform_admin)
    client = app.test_client()
    client.set_cookie("session", console.session_cookie().value, domain=f"{tenant.slug}.localhost")
    assert client.get("/dashboard/", base_url=f"http://{tenant.slug}.localhost").status_code == 302


def test_cli_creates_a_platform_admin_who_enrolls_at_first_sign_in(app, visit):
    result = app.test_cli_runner().invoke(
        args=["admins", "create", "new-ops@bbp.example", "--name", "New"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    assert "two-step sign-in" in result.output
    console = visit("admin")
    first = console.login("new-ops@bbp.example", "a long admin password", path="/platform/login")
    assert first.location.endswith("/platform/two-step/enroll")  # enrolls at first sign-in
    assert sign_in_admin(console, "new-ops@bbp.example", "a long admin password").status_code == 200
    assert console.get("/platform/").status_code == 200
    with app.app_context():
        db.session.execute(
            delete(PlatformAdmin).where(PlatformAdmin.email == "new-ops@bbp.example")
        )
        db.session.commit()


def test_console_search_takes_percent_and_underscore_literally(visit, platform_admin, tenant):
    console = visit("admin")
    sign_in_admin(console, platform_admin)
    for wildcard in ("%25", "_"):  # would match every agency as LIKE wildcards
        fragment = console.get(f"/platform/?q={wildcard}", htmx=True).get_data(as_text=True)
        assert tenant.name not in fragment
    exact = console.get(f"/platform/?q={tenant.slug}", htmx=True).get_data(as_text=True)
    assert tenant.name in exact
