"""A texted pay link opened on a phone (and at a desk) shows the agency's address, phone (a
"Call us" link) and license at its foot, as the demo agencies of `make run` now have them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from bbp.dev.details_seed import DEMO_DETAILS
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant import paylinks
from bbp.merchant.models import PayLink
from bbp.settings import agency
from bbp.settings import services as settings
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.merchant.checkout_support import connected
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book

pytestmark = pytest.mark.browser


def _link(app, tenant, bond_id: int) -> str:
    """The agency has the demo's details; a pay link for the amount due; returns its path."""
    with inside(app, tenant):
        agency.apply(settings.current(), DEMO_DETAILS["demo"])
        link = PayLink(
            bond_id=bond_id,
            sent_to=f"+1{COSIGNER_PHONE}",
            recipient=None,
            expires_at=utcnow() + timedelta(days=7),
        )
        db.session.add(link)
        db.session.commit()
        return paylinks.PATH + paylinks.token_for(link)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_pay_link_shows_the_agencys_address_and_call_us(app, browser, live_server, tenant, size):
    book = make_book(app, tenant)
    connected(app, tenant)
    path = _link(app, tenant, book.bond_id)
    details = DEMO_DETAILS["demo"]
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.goto(f"http://{tenant.slug}.localhost:{live_server}{path}")
    expect(page.get_by_role("heading", name=f"Pay {tenant.name}")).to_be_visible()
    contact = page.locator(".agency-contact")
    expect(contact).to_contain_text("1250 NW 14th Street, Suite 2, Miami, FL 33125")
    expect(contact).to_contain_text("License No. P123456")
    call = page.get_by_role("link", name="Call us: (305) 555-0190")
    expect(call).to_have_attribute("href", f"tel:{details.tel}")
    problems = _problems(page, f"agency-contact-{size}-pay-link")
    context.close()
    assert problems == []
