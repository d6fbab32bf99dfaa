"""Support access in a real browser, at desktop and phone size: ask, approve, enter, end."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_every_page import AXE, AXE_RUN, WCAG
from tests.browser_fixtures import screenshot, sign_in_console
from tests.platform.conftest import add_admin
from tests.support import PASSWORD

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
REASON = "The owner says the court calendar misses a date"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("size", SIZES)
def test_support_asks_owner_approves_admin_enters_and_ends(browser, app, live_server, tenant, size):
    console = f"http://admin.localhost:{live_server}"
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    admin_context = browser.new_context(**SIZES[size])
    owner_context = browser.new_context(**SIZES[size])
    for context in (admin_context, owner_context):
        context.add_init_script(path=AXE)
    admin, owner = admin_context.new_page(), owner_context.new_page()

    sign_in_console(admin, console, add_admin(app, "support"), PASSWORD)
    admin.goto(f"{console}/platform/support/agencies/{tenant.info.id}")
    admin.get_by_label("Reason").fill(REASON)
    admin.get_by_label("Minutes").fill("20")
    admin.get_by_role("button", name=re.compile("for access")).click()
    expect(admin.get_by_text("Request sent.")).to_be_visible()
    expect(admin.get_by_text("Waiting for the owner").first).to_be_visible()
    assert admin.evaluate(FITS)

    owner.goto(f"{agency}/login")
    owner.get_by_label("Email").fill(tenant.owner_email)
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner.get_by_text(REASON)).to_be_visible()
    assert owner.evaluate(AXE_RUN, WCAG) == []  # the owner's notice
    owner.get_by_role("link", name="Approve or deny").click()
    owner.get_by_role("button", name="Approve").click()
    expect(owner.get_by_text("Support access approved for 20 minutes.")).to_be_visible()
    screenshot(owner, f"support-owner-{size}")
    assert owner.evaluate(FITS) and owner.evaluate(AXE_RUN, WCAG) == []

    admin.goto(f"{console}/platform/support")
    admin.get_by_role("button", name="Open workspace").click()
    onward = admin.get_by_role("button", name="Continue to the agency")
    assert admin.evaluate(AXE_RUN, WCAG) == []
    link = urlsplit(onward.get_attribute("href"))
    assert link.hostname == f"{tenant.slug}.localhost"  # the agency's own host
    admin.goto(f"{agency}{link.path}")  # the test server's port, which BBP_DOMAIN leaves out
    admin.get_by_role("button", name="Enter the workspace").click()
    expect(admin).to_have_url(re.compile(r"/dashboard/$"))
    banner = admin.locator(".support-banner")
    expect(banner).to_contain_text("Support access by Support Admin until")
    expect(banner).to_contain_text(REASON)
    screenshot(admin, f"support-banner-{size}")
    assert admin.evaluate(FITS) and admin.evaluate(AXE_RUN, WCAG) == []

    banner.get_by_role("button", name="End support access").click()
    expect(admin.get_by_role("heading", name="Support access ended")).to_be_visible()
    admin.goto(f"{agency}/dashboard/")
    expect(admin).to_have_url(re.compile(r"/login"))
    owner.goto(f"{agency}/audit/?action=support.")
    expect(
        owner.get_by_text("Support: Support Admin viewed the page /dashboard/").first
    ).to_be_visible()
    admin_context.close()
    owner_context.close()
