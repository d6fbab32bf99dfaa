"""An owner connects the agency's Stripe account in a browser, at desktop and phone sizes:
Settings → Payments, the fake's onboarding (something left due, then everything given),
and disconnecting; every page fits the window and passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
def test_the_owner_connects_onboards_and_disconnects(app, browser, live_server, tenant, size):
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_staff(page, agency, tenant.owner_email)
    problems = []

    page.goto(f"{agency}/settings/")
    page.locator("main").get_by_role("link", name="Payments", exact=True).click()
    expect(page.get_by_role("heading", name="Online payments")).to_be_visible()
    problems += _problems(page, f"{size}-payments-unconnected")
    page.get_by_role("button", name="Connect with Stripe").click()
    expect(page.get_by_role("heading", name="Stripe onboarding")).to_be_visible()
    problems += _problems(page, f"{size}-payments-onboarding")
    page.get_by_role("button", name="Leave something due").click()
    expect(page).to_have_url(f"{agency}/settings/payments")
    expect(page.get_by_text("Add the bank account payouts go to")).to_be_visible()
    expect(page.get_by_text("Give these by")).to_be_visible()
    problems += _problems(page, f"{size}-payments-due")

    page.get_by_role("button", name="Continue setup").click()
    page.get_by_role("button", name="Submit details").click()
    expect(page.get_by_text("online payments are on")).to_be_visible()
    expect(page.get_by_text("Stripe needs nothing more for now.")).to_be_visible()
    expect(page.get_by_role("button", name="Open Stripe Dashboard")).to_be_visible()
    problems += _problems(page, f"{size}-payments-connected")

    page.get_by_role("link", name="Disconnect the Stripe account").click()
    problems += _problems(page, f"{size}-payments-disconnect")
    page.get_by_label("Type DISCONNECT to confirm").fill("DISCONNECT")
    page.get_by_role("button", name="Disconnect", exact=True).click()
    expect(page.get_by_text("Online payments are off.")).to_be_visible()
    expect(page.get_by_role("button", name="Connect with Stripe")).to_be_visible()
    context.close()
    assert problems == []
