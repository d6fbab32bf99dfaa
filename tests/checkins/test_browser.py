"""The texted check-in link on a phone: plain, with GPS, GPS refused, and without JavaScript."""

from __future__ import annotations

from datetime import time as clock_time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from bbp.checkins import services
from tests.browser_fixtures import screenshot
from tests.checkins.conftest import NOW, checkins, inside, link_path, make_defendant, texts
from tests.support import add_user

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MIAMI = {"latitude": 25.7742, "longitude": -80.1937, "accuracy": 15}


@pytest.fixture
def checkin_server(request, app):
    """The live server's port, once the session app (which it serves) has check-ins."""
    if "checkins" not in app.blueprints:
        pytest.skip(
            "the check-ins blueprint is not registered in create_app yet, and the live server "
            "serves the session app; register it to run the browser tests"
        )
    return request.getfixturevalue("live_server")


@pytest.fixture
def link(app, tenant, clock):
    """The URL path of a check-in link texted to a defendant due at 9:00 today."""
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        clock.set(NOW - timedelta(days=1))
        services.set_schedule(make_defendant(), NOW.weekday(), None, clock_time(9, 0), by)
        clock.set(NOW)
        services.due_checkins(NOW)
        return link_path(texts()[0])


def _url(agency, port, path):
    return f"http://{agency.slug}.localhost:{port}{path}"


def _checked_in(app, agency):
    with inside(app, agency):
        [checkin] = checkins()
        return checkin.status, checkin.method, checkin.location_text


def test_plain_check_in_on_a_phone(app, phone, checkin_server, tenant, link):
    phone.goto(_url(tenant, checkin_server, link))
    expect(phone.get_by_role("heading", name="Check in")).to_be_visible()
    button = phone.get_by_role("button", name="Check in", exact=True)
    assert button.bounding_box()["height"] >= 44  # a comfortable tap target
    screenshot(phone, "check-in-phone")
    button.tap()
    expect(phone.get_by_role("heading", name="Thank you, you are checked in")).to_be_visible()
    assert _checked_in(app, tenant) == ("done", "plain", "")
    phone.go_back()
    phone.reload()
    expect(phone.get_by_text("already been used")).to_be_visible()
    expect(phone.get_by_text("Ask your bail agent for a new link")).to_be_visible()
    screenshot(phone, "check-in-link-used-phone")


def test_gps_check_in_on_a_phone(app, browser, checkin_server, tenant, link):
    url = _url(tenant, checkin_server, link)
    context = browser.new_context(**PHONE, geolocation=MIAMI)
    context.grant_permissions(["geolocation"], origin=url.split("/check-in")[0])
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_role("button", name="Check in with my location").tap()
        expect(page.get_by_role("heading", name="Thank you, you are checked in")).to_be_visible()
        expect(page.get_by_text("with your location")).to_be_visible()
    finally:
        context.close()
    assert _checked_in(app, tenant) == ("done", "gps", "25.774200, -80.193700 ±15 m")


def test_refused_location_keeps_the_plain_check_in(app, browser, checkin_server, tenant, link):
    context = browser.new_context(**PHONE)  # no geolocation permission: the phone says no
    page = context.new_page()
    try:
        page.goto(_url(tenant, checkin_server, link))
        page.get_by_role("button", name="Check in with my location").tap()
        expect(page.get_by_role("status")).to_contain_text("You can still check in without it")
        screenshot(page, "check-in-location-refused-phone")
        assert _checked_in(app, tenant)[0] == "pending"
        page.get_by_role("button", name="Check in", exact=True).tap()
        expect(page.get_by_role("heading", name="Thank you, you are checked in")).to_be_visible()
    finally:
        context.close()
    assert _checked_in(app, tenant) == ("done", "plain", "")


def test_check_in_works_without_javascript(app, browser, checkin_server, tenant, link):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(_url(tenant, checkin_server, link))
        expect(page.get_by_role("button", name="Check in with my location")).to_be_hidden()
        page.get_by_role("button", name="Check in", exact=True).click()
        expect(page.get_by_role("heading", name="Thank you, you are checked in")).to_be_visible()
    finally:
        context.close()
    assert _checked_in(app, tenant) == ("done", "plain", "")
