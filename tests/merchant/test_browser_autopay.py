"""A cosigner turns autopay on from their phone (and at a desk): reads the authorization, is
refused beside the box until they agree, saves a card on the fake hosted Checkout, sees autopay
on once Stripe's events arrive, and turns it off. Every page fits the window and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bbp.billing import fake_delivery
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.checkout_support import connected, two_installments
from tests.portal.conftest import make_book, sign_in_to_portal

pytestmark = pytest.mark.browser


def _signed_in_on_a_plan(app, browser, live_server, tenant, size):
    """A bond with two $250 installments and an agency taking charges; its cosigner signed in
    to the portal, on the bond's page. Returns the browser context and page."""
    book = make_book(app, tenant)
    connected(app, tenant)
    two_installments(app, tenant, book.bond_id, "0.00", "250.00")
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_to_portal(app, page, tenant, agency)
    return context, page


@pytest.mark.parametrize("size", list(SIZES))
def test_a_cosigner_turns_autopay_on_and_off(app, browser, live_server, tenant, size):
    context, page = _signed_in_on_a_plan(app, browser, live_server, tenant, size)
    problems: list[str] = []
    page.get_by_role("link", name="Set up autopay").click()

    expect(page.get_by_role("heading", name="Autopay", exact=True)).to_be_visible()
    expect(page.locator("#autopay-terms")).to_contain_text("I, Rosa Reyes, authorize")
    expect(page.locator("#autopay-terms")).to_contain_text("$250.00 on")
    problems += _problems(page, f"autopay-{size}-terms")
    page.get_by_role("button", name="Agree and save a card").click()
    expect(page.locator("#agree-error")).to_have_text(
        "Tick the box to agree, or go back to the bond."
    )
    problems += _problems(page, f"autopay-{size}-refused")
    page.get_by_label("I agree to this autopay authorization").check()
    page.get_by_role("button", name="Agree and save a card").click()

    expect(page).to_have_url(re.compile(r"/dev/stripe/checkout/acct_\w+/cs_test_\w+$"))
    page.get_by_role("button", name="Save test card 4242").click()
    expect(page.locator("#autopay-waiting")).to_be_visible()
    problems += _problems(page, f"autopay-{size}-waiting")
    # Stripe's events arrive (under make run a worker delivers them); the page asks again.
    assert set(fake_delivery.deliver_pending(app)) == {200}
    expect(page.locator("#autopay-on")).to_contain_text("Visa ending in 4242", timeout=10_000)
    problems += _problems(page, f"autopay-{size}-on")

    page.get_by_role("link", name="Back to the bond").click()
    expect(page.locator("#autopay-state")).to_contain_text("Autopay is on")
    page.get_by_role("link", name="Manage autopay").click()
    page.get_by_role("button", name="Turn off autopay").click()
    expect(page.get_by_text("Autopay is off. Nothing more will be charged")).to_be_visible()
    problems += _problems(page, f"autopay-{size}-off")
    context.close()
    assert problems == []


@pytest.mark.parametrize("size", list(SIZES))
def test_a_cosigner_saves_the_card_while_paying(app, browser, live_server, tenant, size):
    """The Pay page's opt-in (security review finding 10): the authorization shown under the box,
    Checkout keeps the card, and autopay is on once Stripe's events arrive; staff see the
    payment that saved the card."""
    context, page = _signed_in_on_a_plan(app, browser, live_server, tenant, size)
    problems: list[str] = []
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("heading", name="Make a payment")).to_be_visible()
    expect(page.locator("#save-card-terms")).to_contain_text("I, Rosa Reyes, authorize")
    problems += _problems(page, f"pay-save-card-{size}")
    page.get_by_label("Save this card and pay my installments automatically").check()
    page.get_by_role("button", name="Continue to secure payment").click()

    expect(page).to_have_url(re.compile(r"/dev/stripe/checkout/acct_\w+/cs_test_\w+$"))
    page.get_by_role("button", name="Pay with test card 4242").click()
    expect(page.locator("#payment-status")).to_be_visible()
    assert set(fake_delivery.deliver_pending(app)) == {200}
    page.get_by_role("link", name="Back to the bond").click()
    expect(page.locator("#autopay-state")).to_contain_text("Visa ending in 4242")
    problems += _problems(page, f"pay-save-card-{size}-on")
    bond_id = re.search(r"/portal/bonds/(\d+)", page.url).group(1)
    context.close()
    staff = browser.new_context(**SIZES[size])
    staff.add_init_script(path=AXE)
    page = staff.new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_staff(page, agency, tenant.owner_email)
    page.goto(f"{agency}/bonds/{bond_id}")
    expect(page.locator("#autopay-card-payment")).to_contain_text(
        re.compile(r"saved with the \$250\.00 payment, receipt R-\d+\.")
    )
    problems += _problems(page, f"pay-save-card-{size}-staff")
    staff.close()
    assert problems == []
