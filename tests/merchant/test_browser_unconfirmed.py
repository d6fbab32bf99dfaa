"""A clerk reads, at a desk and on a phone, a bond's online payment a restored copy could not
confirm: amount, payer, Stripe id and what to do, beside the ledger. The page fits and passes
axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bbp.extensions import db
from bbp.merchant import restored
from bbp.merchant.models import OnlinePayment
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.support import connected
from tests.portal.conftest import inside, make_book
from tests.support import add_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
def test_an_unconfirmed_payment_reads_as_what_to_do(app, browser, live_server, tenant, size):
    book = make_book(app, tenant)
    account = connected(app, tenant)
    with inside(app, tenant):
        db.session.add(
            OnlinePayment(
                bond_id=book.bond_id,
                source="pay_link",
                status="unconfirmed",
                amount_cents=12550,
                stripe_account_id=account,
                payment_intent_id="pi_3QxAmpleUnconfirmedAfterRestore0042",
                payer_name="Rosa Reyes",
                last_error=restored.why("alpha-bail-bonds"),
            )
        )
        db.session.commit()
    clerk = add_user(app, tenant.info, "agent")
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_staff(page, agency, clerk.email)

    page.goto(f"{agency}/bonds/{book.bond_id}#payments")
    notice = page.locator("#payments-unconfirmed")
    expect(notice).to_contain_text("$125.50 from Rosa Reyes through a pay link")
    expect(notice).to_contain_text("Check the original agency's Stripe Dashboard")
    expect(notice.locator(".stripe-id")).to_have_text(
        "Stripe pi_3QxAmpleUnconfirmedAfterRestore0042"
    )
    expect(notice.get_by_role("link", name="Record a payment by hand")).to_be_visible()
    notice.scroll_into_view_if_needed()
    problems = _problems(page, f"unconfirmed-{size}-bond")
    context.close()
    assert problems == []
