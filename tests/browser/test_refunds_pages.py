"""Refunds, disputes and payouts in a real browser, at desktop and phone size: an owner refunds
part of a card payment from the bond page, sees the open dispute flagged with its deadline and
on the dashboard, and reconciles a payout, also after connecting another account; every page
fits the window and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bbp.billing import fake_delivery, stripe_api
from tests.browser.test_every_page import AXE, AXE_RUN, LAYOUT, SIZES, WCAG
from tests.browser_fixtures import screenshot, sign_in_staff
from tests.factories import make_bond
from tests.merchant.refunds.support import paid_online
from tests.merchant.refunds.test_payout_accounts import _reconnected
from tests.merchant.support import connected, fake

pytestmark = pytest.mark.browser


def _problems(page, name: str) -> list[str]:
    screenshot(page, name)
    found = page.evaluate(LAYOUT, page.viewport_size["width"]) + page.evaluate(AXE_RUN, WCAG)
    return [f"{name}: {problem}" for problem in found]


@pytest.mark.parametrize("size", list(SIZES))
def test_refund_dispute_and_payout_pages(app, browser, live_server, tenant, size):
    account = connected(app, tenant)
    bond_id = make_bond(app, tenant, premium="500")
    disputed = paid_online(app, tenant, account, bond_id, 10000, fee=320)
    refunded = paid_online(app, tenant, account, bond_id, 25000, fee=800)
    with fake(app).acting_as(account):
        dispute = fake(app).open_dispute(disputed.charge)
    fake_delivery.deliver_pending(app)

    base = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_staff(page, base, tenant.owner_email)
    expect(page.locator("#open-disputes")).to_contain_text("Needs a response")
    problems = _problems(page, f"{size}-refunds-dashboard")

    page.goto(f"{base}/bonds/{bond_id}")
    expect(page.get_by_role("alert")).to_contain_text("Disputed payment: $100.00")
    problems += _problems(page, f"{size}-refunds-bond-disputed")
    respond = page.get_by_role("link", name="Respond in your Stripe Dashboard")
    page.goto(base + respond.get_attribute("href"))  # the fake's stand-in, not dashboard.stripe.com
    expect(page.locator("h1")).to_have_text("Stripe Dashboard")
    expect(page.locator("main")).to_contain_text("did not make this payment (fraudulent)")
    problems += _problems(page, f"{size}-refunds-fake-dashboard")
    page.goto(f"{base}/settings/payments")
    open_dashboard = page.get_by_role("button", name="Open Stripe Dashboard")
    page.goto(base + open_dashboard.get_attribute("href"))
    expect(page.locator("main")).to_contain_text("exists only on this machine")
    problems += _problems(page, f"{size}-refunds-fake-dashboard-account")
    page.goto(f"{base}/refunds/receipts/{disputed.payment_id}")
    expect(page.locator("#refund-disputed")).to_contain_text("the dispute is still open")
    problems += _problems(page, f"{size}-refunds-form-disputed")
    page.goto(f"{base}/refunds/receipts/{refunded.payment_id}")
    problems += _problems(page, f"{size}-refunds-form")
    page.get_by_label("Amount to refund").fill("75.00")
    page.get_by_label("Reason").fill("Charges reduced at arraignment")
    page.get_by_role("button", name="Refund through Stripe").click()
    expect(page).to_have_url(re.compile(rf"/bonds/{bond_id}"))
    expect(page.locator("#refunds-waiting")).to_contain_text("$75.00 to Pat Payer")
    fake_delivery.deliver_pending(app)
    page.reload()
    expect(page.locator("#payments")).to_contain_text("-$75.00")
    problems += _problems(page, f"{size}-refunds-bond-refunded")
    with app.app_context():  # refunded in the Dashboard too; Stripe has $75.00 left, we $175.00
        stripe_api.client().v1.refunds.create(
            {"charge": refunded.charge, "amount": 10000}, options={"stripe_account": account}
        )
    page.goto(f"{base}/refunds/receipts/{refunded.payment_id}")
    page.get_by_label("Amount to refund").fill("100")
    page.get_by_label("Reason").fill("The cosigner asked for part of the premium back")
    page.get_by_role("button", name="Refund through Stripe").click()
    expect(page.locator(".field-error").first).to_contain_text("Stripe has less of this payment")
    expect(page.locator("table")).to_contain_text("Refused by Stripe")
    problems += _problems(page, f"{size}-refunds-form-refused")
    fake_delivery.deliver_pending(app)

    page.goto(f"{base}/payouts/")
    page.get_by_role("button", name="Development: pay out the balance").click()
    expect(page.locator("#payout-rows")).to_contain_text("Paid")
    problems += _problems(page, f"{size}-refunds-payouts")
    page.locator("#payout-rows a").first.click()
    expect(page.locator("#payout-lines")).to_contain_text("R-000003")  # the refund's receipt
    problems += _problems(page, f"{size}-refunds-payout")
    _reconnected(app, tenant, account)  # the payout stays readable from the account it came from
    page.get_by_role("button", name="Refresh from Stripe").click()
    expect(page.get_by_text(re.compile(r"Read \d+ lines from Stripe\."))).to_be_visible()
    expect(page.locator("hgroup")).to_contain_text(f"from your earlier Stripe account {account}")
    problems += _problems(page, f"{size}-refunds-payout-earlier-account")
    page.goto(f"{base}/disputes/")
    problems += _problems(page, f"{size}-refunds-disputes")
    with fake(app).acting_as(account):  # the bank decides for the cardholder
        fake(app).close_dispute(dispute["id"], won=False)
    fake_delivery.deliver_pending(app)
    page.goto(f"{base}/refunds/receipts/{disputed.payment_id}")
    expect(page.locator("main")).to_contain_text("Lost to a dispute")
    expect(page.get_by_role("button", name="Refund through Stripe")).to_have_count(0)
    problems += _problems(page, f"{size}-refunds-form-lost")
    context.close()
    assert problems == []
