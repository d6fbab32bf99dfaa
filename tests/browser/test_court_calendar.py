"""The court calendar's month view: a grid on a computer, a list of busy days on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import screenshot
from tests.factories import make_bond
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
MONTH = "/court/calendar?view=month&date=2027-01-15"


def _sign_in(page, agency, port):
    page.goto(f"http://{agency.slug}.localhost:{port}/login")
    page.get_by_label("Email").fill(agency.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


@pytest.fixture
def booked(app, tenant, owner):
    bond_id = make_bond(app, tenant, first_name="Jan", last_name="Uary")
    for starts_at in ("2027-01-20T09:00", "2027-01-20T13:30"):
        owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": starts_at, "kind": "hearing"})
    return tenant


def test_the_month_grid_links_each_days_count_to_that_day(page, live_server, booked):
    _sign_in(page, booked, live_server)
    page.goto(f"http://{booked.slug}.localhost:{live_server}{MONTH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Court calendar")
    expect(page.locator(".month-grid")).to_be_visible()
    expect(page.locator(".month-list")).to_be_hidden()
    screenshot(page, "court-month-desktop")
    page.get_by_role("link", name="2 court dates on Jan 20").click()
    expect(page).to_have_url(re.compile(r"view=day&date=2027-01-20"))
    expect(page.locator("main")).to_contain_text("Uary, Jan")


def test_on_a_phone_the_month_is_a_list_of_busy_days(phone, live_server, booked):
    _sign_in(phone, booked, live_server)
    phone.goto(f"http://{booked.slug}.localhost:{live_server}{MONTH}")
    expect(phone.locator(".month-grid")).to_be_hidden()
    expect(phone.locator(".month-list")).to_contain_text("Wed Jan 20 · 2 court dates")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "court-month-phone")
    phone.get_by_role("link", name="Wed Jan 20").click()
    expect(phone).to_have_url(re.compile(r"view=day&date=2027-01-20"))
