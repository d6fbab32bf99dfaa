"""A manager reads a bond's ledger at a desk and on a phone: an online payment and its refund
read as words with the card, the Stripe id small beneath. The page fits and passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from bbp.extensions import db
from bbp.merchant.models import OnlinePayment
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.refunds.support import paid_online
from tests.merchant.support import connected
from tests.portal.conftest import inside, make_book
from tests.support import add_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
def test_online_entries_read_as_words_with_the_stripe_id_small(
    app, browser, live_server, tenant, size
):
    book = make_book(app, tenant)
    account = connected(app, tenant)
    paid = paid_online(app, tenant, account, book.bond_id, 12550)
    with inside(app, tenant):
        db.session.execute(
            update(OnlinePayment)
            .where(OnlinePayment.id == paid.online_id)
            .values(card_brand="visa", card_last4="4242")
        )
        db.session.commit()
    manager = add_user(app, tenant.info, "manager")
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_staff(page, agency, manager.email)

    page.goto(f"{agency}/bonds/{book.bond_id}#payments")
    cell = page.locator("#payments td[data-label=For]").first
    expect(cell).to_contain_text("Online card payment, Visa ending in 4242, in the portal")
    expect(cell.locator(".stripe-id")).to_have_text(f"Stripe {paid.intent}")
    page.locator("#payments").scroll_into_view_if_needed()
    problems = _problems(page, f"ledger-{size}-bond")
    context.close()
    assert problems == []
