"""A cosigner pays the next installment on their phone (and at a desk): signs in to the portal,
presses Pay now, pays on the fake hosted Checkout page, and sees the receipt and the new
balance once Stripe's events arrive. Every page fits the window and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bbp.billing import fake_delivery
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.checkout_support import connected, two_installments
from tests.portal.conftest import (
    DEFENDANT_PHONE,
    make_book,
    sign_in_to_portal,
    texts_to,
)
from tests.portal.test_money import pay as cash
from tests.support import add_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
def test_a_cosigner_pays_the_next_installment_through_checkout(
    app, browser, live_server, tenant, size
):
    book = make_book(app, tenant)
    connected(app, tenant)
    two_installments(app, tenant, book.bond_id, "100.00", "200.00")
    cash(app, tenant, book.bond_id, "100.00", "R-000101")  # the down payment, in the office

    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    problems: list[str] = []

    sign_in_to_portal(app, page, tenant, agency)
    expect(page.locator(".portal-balance")).to_contain_text("$400.00")
    problems += _problems(page, f"checkout-{size}-bond-before")

    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("heading", name="Make a payment")).to_be_visible()
    expect(page.get_by_label(re.compile(r"Next payment: \$200\.00"))).to_be_checked()
    problems += _problems(page, f"checkout-{size}-pay")
    # A wrong amount first: the message sits beside the field, what was typed is kept.
    page.get_by_label(re.compile("Another amount")).check()
    page.get_by_label("Other amount", exact=True).fill("450")
    page.get_by_role("button", name="Continue to secure payment").click()
    expect(page.locator("#pay-amount-error")).to_have_text(
        "The most you can pay is the balance, $400.00."
    )
    expect(page.locator("#pay-amount")).to_have_value("450")
    problems += _problems(page, f"checkout-{size}-pay-error")
    page.get_by_label(re.compile(r"Next payment: \$200\.00")).check()
    page.locator("#pay-amount").fill("")
    page.get_by_role("button", name="Continue to secure payment").click()

    expect(page).to_have_url(re.compile(r"/dev/stripe/checkout/acct_\w+/cs_test_\w+$"))
    expect(page.locator("#checkout-amount")).to_have_text("$200.00")
    expect(page.get_by_role("heading", name=tenant.name)).to_be_visible()
    problems += _problems(page, f"checkout-{size}-fake-checkout")
    page.get_by_role("button", name="Pay with test card 4242").click()

    expect(page).to_have_url(re.compile(r"/portal/bonds/\d+/paid\?session_id=cs_test_\w+$"))
    expect(page.locator("#payment-status")).to_contain_text("Your payment is processing")
    problems += _problems(page, f"checkout-{size}-processing")
    # Stripe's events arrive (under make run a worker delivers them); the page asks again.
    assert set(fake_delivery.deliver_pending(app)) == {200}
    expect(page.locator("#payment-status")).to_contain_text(
        re.compile(r"Payment of \$200\.00 received\. Receipt R-\d{6}\."), timeout=10_000
    )
    problems += _problems(page, f"checkout-{size}-received")
    receipt = re.search(r"R-\d{6}", page.locator("#payment-status").inner_text()).group(0)

    page.get_by_role("link", name="Back to the bond").click()
    expect(page.locator(".portal-balance")).to_contain_text("$200.00")
    expect(page.get_by_role("link", name=f"Receipt {receipt} (PDF)")).to_be_visible()
    plan_rows = page.locator("table.plan-lines tr.plan-paid")
    expect(plan_rows).to_have_count(2)  # the down payment and the first installment
    problems += _problems(page, f"checkout-{size}-bond-after")
    context.close()
    assert problems == []


def test_an_agent_texts_a_pay_link_and_the_defendant_pays_on_a_phone(
    app, browser, live_server, tenant
):
    book = make_book(app, tenant)
    connected(app, tenant)
    agent = add_user(app, tenant.info, "agent")
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    problems: list[str] = []

    desk = browser.new_context(**SIZES["desktop"])
    desk.add_init_script(path=AXE)
    page = desk.new_page()
    sign_in_staff(page, agency, agent.email)
    page.goto(f"{agency}/bonds/{book.bond_id}")
    panel = page.locator("#pay-links")
    expect(panel.get_by_role("button", name="Text pay link")).to_be_visible()  # htmx loaded it
    panel.get_by_label("Marcus Reyes (defendant)").check()
    panel.get_by_label("Amount").fill("75.50")
    panel.get_by_role("button", name="Text pay link").click()
    expect(panel).to_contain_text("Pay link texted to")
    expect(panel.locator(".court-row").first).to_contain_text("Sent")
    problems += _problems(page, "paylink-desktop-staff-panel")
    desk.close()

    [text] = [m for m in texts_to(app, tenant, DEFENDANT_PHONE) if m.purpose == "pay_link"]
    path = re.search(r"/pay/\S+", text.body).group(0)
    phone = browser.new_context(**SIZES["phone"])
    phone.add_init_script(path=AXE)
    payer = phone.new_page()
    payer.goto(f"{agency}{path}")
    expect(payer.get_by_role("heading", name=f"Pay {tenant.name}")).to_be_visible()
    expect(payer.get_by_text(f"Bond {book.bond_number} for Marcus")).to_be_visible()
    problems += _problems(payer, "paylink-phone-link")
    payer.get_by_role("button", name="Pay $75.50").click()
    expect(payer.locator("#checkout-amount")).to_have_text("$75.50")
    payer.get_by_role("button", name="Pay with test card 4242").click()
    expect(payer.locator("#payment-status")).to_contain_text("processing")
    assert set(fake_delivery.deliver_pending(app)) == {200}
    expect(payer.locator("#payment-status")).to_contain_text(
        "Payment of $75.50 received", timeout=10_000
    )
    problems += _problems(payer, "paylink-phone-received")
    payer.goto(f"{agency}{path}")
    expect(payer.get_by_role("heading", name="Paid. Thank you.")).to_be_visible()
    expect(payer.locator("#link-paid")).to_contain_text("$75.50 was paid on ")
    expect(payer.locator("#link-paid")).to_contain_text("Receipt R-")
    problems += _problems(payer, "paylink-phone-paid")
    payer.get_by_role("button", name="Español").click()
    expect(payer.get_by_role("heading", name="Pagado. Gracias.")).to_be_visible()
    expect(payer.locator("#link-paid")).to_contain_text("Se pagaron $75.50 el ")
    problems += _problems(payer, "paylink-phone-paid-es")
    phone.close()
    assert problems == []
