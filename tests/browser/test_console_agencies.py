"""A superadmin enrolls two-step sign-in, creates an agency from the console, and its new owner
sets a password from the invitation and signs in on the new subdomain: in a real browser, at
desktop and phone size."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from bbp.kernel.mail import outbox_key
from bbp.platform.provisioning import drop_tenant
from tests.browser_fixtures import screenshot, sign_in_console
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_superadmin_creates_an_agency_from_the_console(
    app, browser, live_server, redis, superadmin, tenant, size
):
    slug = f"coastal-{uuid.uuid4().hex[:6]}"
    console = f"http://admin.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    try:
        sign_in_console(page, console, superadmin, PASSWORD)
        page.get_by_role("button", name="New agency").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("New agency")

        subdomain = page.get_by_label("Subdomain")
        subdomain.press_sequentially(tenant.slug)  # taken: the live check says so as it is typed
        expect(page.locator("#slug-check")).to_contain_text("already taken")
        subdomain.fill("")
        subdomain.press_sequentially(slug)
        expect(page.locator("#slug-check")).to_contain_text(f"{slug}.localhost is available")

        page.get_by_label("Agency name").fill("Coastal Bail Bonds")
        page.get_by_label("State").select_option("FL")
        page.get_by_label("Time zone").select_option("America/Chicago")
        page.get_by_label("Owner's email").fill("not an email")
        page.get_by_label("Owner's name").fill("Coral Owner")
        page.get_by_role("button", name="Create agency").click()
        expect(page.locator("#owner_email-error")).to_have_text("Enter a valid email address.")
        expect(page.get_by_label("Agency name")).to_have_value("Coastal Bail Bonds")
        expect(page.get_by_label("State")).to_have_value("FL")

        page.get_by_label("Owner's email").fill(f"coral@{slug}.example")
        screenshot(page, f"console-new-agency-{size}")
        page.get_by_role("button", name="Create agency").click()
        expect(page).to_have_url(re.compile(rf"/platform/agencies/{slug}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Coastal Bail Bonds")
        expect(page.get_by_text("its owner has an invitation email")).to_be_visible()
        expect(page.locator("#usage")).to_contain_text("Owners")
        expect(page.locator("#hostnames")).to_contain_text(f"{slug}.localhost")
        expect(page.locator("body")).not_to_contain_text(f"coral@{slug}.example")
        screenshot(page, f"console-agency-{size}")

        [invitation] = [json.loads(m) for m in redis.lrange(outbox_key(slug), 0, -1)]
        link = re.search(r"https?://\S+/set-password/\S+", invitation["body"]).group(0)
        agency = f"http://{slug}.localhost:{live_server}"
        owner = context.new_page()
        owner.goto(agency + link.split(f"{slug}.localhost", 1)[1])
        owner.get_by_label("New password").fill("a long owner password 7")
        owner.get_by_label("Repeat password").fill("a long owner password 7")
        owner.get_by_role("button", name="Save password").click()
        expect(owner.get_by_text("Your password is set")).to_be_visible()
        owner.get_by_label("Email").fill(f"coral@{slug}.example")
        owner.get_by_label("Password").fill("a long owner password 7")
        owner.get_by_role("button", name="Sign in").click()
        expect(owner).to_have_url(re.compile(rf"^{re.escape(agency)}/dashboard/"))
        expect(owner.locator(".brand-name")).to_have_text("Coastal Bail Bonds")
        owner.wait_for_load_state("networkidle")  # the favicon too: no request cut off mid-file
        screenshot(owner, f"new-agency-owner-dashboard-{size}")
        owner.close()

        page.goto(f"{console}/platform/")
        page.get_by_label("Search agencies").press_sequentially("coastal")
        expect(page.locator("#tenant-rows")).to_contain_text("Coastal Bail Bonds")
        expect(page.locator("#tenant-rows")).not_to_contain_text(tenant.name)
    finally:
        context.close()
        with app.app_context():
            drop_tenant(slug)
