"""The owner's billing page in a browser, at desktop and phone sizes: a past invoice, a plan
change previewed and confirmed, the card through the portal's stand-in, cancel and keep; every
page fits the window and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bbp.billing import accounts, stripe_api
from tests.billing.owner_support import subscribe
from tests.billing.support import make_plan, plan
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
def test_the_owner_changes_plan_updates_the_card_and_cancels(
    app, browser, clock, live_server, tenant, size
):
    subscribe(app, tenant, monthly_price_cents=4900, trial_days=0, included_seats=3)
    with app.app_context():
        account, fake = accounts.account_of(tenant.info.id), stripe_api.fake()
        # No trial: the first month's invoice opens with the subscription; the card pays it.
        fake.settle(fake.get("subscriptions", account.stripe_subscription_id)["latest_invoice"])
        clock.set(account.current_period_end)  # Stripe invoices the period when it ends
        fake.issue_invoice(account.stripe_subscription_id)
    clock.advance(days=9)  # some days into the next period: the change is prorated
    bigger = plan(app, make_plan(app, monthly_price_cents=14900, trial_days=0, included_seats=10))
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_staff(page, agency, tenant.owner_email)
    problems = []

    page.goto(f"{agency}/billing/")
    expect(page.get_by_text("1 of 3 in use")).to_be_visible()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()  # paid: Stripe's status
    invoices = page.locator("section", has=page.get_by_role("heading", name="Past invoices"))
    expect(invoices.get_by_role("link", name="PDF")).to_have_count(2)
    problems += _problems(page, f"{size}-billing")

    page.get_by_role("button", name="Change plan").click()
    expect(page).to_have_url(re.compile(r"/billing/plan$"))
    expect(page.get_by_role("heading", name="Change plan")).to_be_visible()
    page.wait_for_load_state("networkidle")  # htmx has taken the boosted page in
    page.get_by_label("New plan").select_option(str(bigger.id))  # htmx swaps the preview in
    expect(page.get_by_role("button", name=f"Move to {bigger.name}")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Unused time on")).to_be_visible()
    problems += _problems(page, f"{size}-billing-change")
    page.get_by_role("button", name=f"Move to {bigger.name}").click()
    expect(page.locator("#flash")).to_contain_text("Your plan is changed")
    expect(page.get_by_text(f"{bigger.name} ·").first).to_be_visible()

    page.get_by_role("button", name="Update card").click()
    expect(page.get_by_role("heading", name="Stripe customer portal")).to_be_visible()
    problems += _problems(page, f"{size}-billing-portal-standin")
    page.get_by_role("button", name="Save test card (Visa 4242)").click()
    expect(page).to_have_url(f"{agency}/billing/")
    expect(page.locator("#flash")).to_contain_text("Visa ending 4242")

    page.get_by_role("link", name="Cancel subscription").click()
    problems += _problems(page, f"{size}-billing-cancel")
    page.get_by_role("button", name="Cancel at period end").click()
    expect(page.get_by_text("Your subscription ends on")).to_be_visible()
    problems += _problems(page, f"{size}-billing-ending")
    page.get_by_role("button", name="Keep my subscription").click()
    expect(page.get_by_role("link", name="Cancel subscription")).to_be_visible()
    context.close()
    assert problems == []
