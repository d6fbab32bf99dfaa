"""A superadmin watches dunning happen: a simulated failed payment puts a banner on the owner's
pages, read-only refuses a new bond with a notice that keeps the page, a recovery clears it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.billing.sweep import put_in
from tests.browser_fixtures import sign_in_console
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def test_a_superadmin_simulates_a_failed_payment_and_a_recovery(
    app, browser, live_server, redis, superadmin, tenant
):
    console = browser.new_context().new_page()
    owner = browser.new_context().new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_console(console, f"http://admin.localhost:{live_server}", superadmin, PASSWORD)
    console.goto(f"http://admin.localhost:{live_server}/platform/agencies/{tenant.slug}")
    dunning = console.locator("#dunning")
    expect(dunning).to_contain_text("Paid up")
    console.get_by_role("button", name="Simulate a failed payment").click()
    expect(dunning).to_contain_text("Past due since")

    owner.goto(f"{agency}/login")
    owner.get_by_label("Email").fill(tenant.owner_email)
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner).to_have_url(re.compile(r"/dashboard/$"))  # signed in before moving on
    owner.goto(f"{agency}/bonds/")
    expect(owner.get_by_text("A payment to BailBondPro failed")).to_be_visible()
    owner.get_by_role("link", name="See what is due").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Billing")
    expect(owner.get_by_text("Read-only from")).to_be_visible()

    put_in(app, tenant, "read_only")
    owner.goto(f"{agency}/bonds/new")
    owner.get_by_label("First name").fill("Dana")
    owner.get_by_role("button", name="Start bond").click()
    expect(owner.locator("#flash")).to_contain_text("read-only because a payment is overdue")
    expect(owner.get_by_label("First name")).to_have_value("Dana")  # nothing typed is lost

    console.reload()
    console.get_by_role("button", name="Simulate a recovery").click()
    expect(dunning).to_contain_text("Paid up")
    owner.goto(f"{agency}/bonds/")
    expect(owner.get_by_text("A payment to BailBondPro failed")).to_have_count(0)
