"""A cosigner reads their bond in the portal, at a desk and on a phone, in English and Spanish: a
card payment partly refunded and one lost to a card dispute read as money going back, with a
minus sign. The page fits and passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bbp.billing import fake_delivery
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.merchant.refunds.support import paid_online, signed_in
from tests.merchant.refunds.test_disputes import _close, _open
from tests.merchant.refunds.test_ledger_words import _card
from tests.merchant.refunds.test_receipt_words import _refunded
from tests.merchant.support import connected
from tests.portal.conftest import make_book, sign_in_to_portal

pytestmark = pytest.mark.browser

MINUS = "\u2212"


@pytest.mark.parametrize("size", list(SIZES))
def test_refunds_and_a_lost_dispute_read_as_money_going_back(
    app, browser, live_server, visit, tenant, size
):
    book = make_book(app, tenant)
    account = connected(app, tenant)
    refunded = paid_online(app, tenant, account, book.bond_id, 10000)
    disputed = paid_online(app, tenant, account, book.bond_id, 33750)
    for paid in (refunded, disputed):
        _card(app, tenant, paid.online_id)
    _refunded(app, tenant, signed_in(app, visit, tenant, "manager"), refunded)
    dispute_id, opened = _open(app, disputed)
    closed = _close(app, disputed, dispute_id, won=False)
    assert set(fake_delivery.deliver([*opened, *closed], app)) == {200}

    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_to_portal(app, page, tenant, f"http://{tenant.slug}.localhost:{live_server}")
    expect(page.get_by_role("heading", name="Payments and refunds")).to_be_visible()
    rows = page.locator("#money ~ table").last.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Card dispute, Mastercard ending in 4444")
    expect(rows.nth(0)).to_contain_text(f"{MINUS}$337.50")
    expect(rows.nth(1)).to_contain_text("Refund to your card, Mastercard ending in 4444")
    expect(rows.nth(1)).to_contain_text(f"{MINUS}$40.00")
    expect(rows.nth(3)).to_contain_text("Card payment, Mastercard ending in 4444")
    expect(page.get_by_role("link", name="Receipt R-000003 (PDF)")).to_be_visible()
    problems = _problems(page, f"portal-money-back-{size}")

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Pagos y reembolsos")).to_be_visible()
    expect(rows.nth(1)).to_contain_text("Reembolso a su tarjeta, Mastercard terminada en 4444")
    expect(rows.nth(0)).to_contain_text("Disputa de cargo")
    problems += _problems(page, f"portal-money-back-{size}-es")
    context.close()
    assert problems == []
