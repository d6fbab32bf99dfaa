"""Staff text a pay link to a cosigner with a very long name, at a desk and on a phone: "Send
to" shows every name whole, and the list shows the link's recipient, amount, dates and state
(sent, then opened once the payer opens it). Every page fits the window and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.checkout_support import connected
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book, texts_to
from tests.support import add_user

pytestmark = pytest.mark.browser
LONG = "Maximiliana Esperanza de la Concepción Villanueva-Hernández"
# Anything in the panel whose content is wider than its box is cut off or spills out.
CLIPPED = """() => [...document.querySelectorAll('#pay-links *')]
  .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
    || el.getBoundingClientRect().right > document.querySelector('#pay-links').getBoundingClientRect().right + 1)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''))"""


@pytest.mark.parametrize("size", list(SIZES))
def test_a_long_name_fits_and_the_list_says_who_what_when_and_where_it_stands(
    app, browser, live_server, tenant, size
):
    book = make_book(app, tenant)
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).first_name = LONG
        db.session.commit()
    connected(app, tenant)
    agent = add_user(app, tenant.info, "agent")
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_staff(page, agency, agent.email)
    problems: list[str] = []

    page.goto(f"{agency}/bonds/{book.bond_id}")
    panel = page.locator("#pay-links")
    expect(panel.get_by_role("button", name="Text pay link")).to_be_visible()  # htmx loaded it
    name = f"{LONG} Reyes (cosigner) · (305) 555-0177"
    expect(panel.get_by_label(name)).to_be_visible()
    panel.get_by_label(name).check()
    panel.get_by_label("Amount").fill("125.50")
    panel.get_by_role("button", name="Text pay link").click()
    expect(panel).to_contain_text("Pay link texted to")
    row = panel.locator(".pay-link-row").first
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text(f"To {LONG} Reyes (cosigner)")
    panel.scroll_into_view_if_needed()
    assert page.evaluate(CLIPPED) == []
    problems += _problems(page, f"paylinks-{size}-bond-page")

    [text] = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "pay_link"]
    payer = context.new_page()
    payer.goto(agency + re.search(r"/pay/\S+", text.body).group(0))
    expect(payer.get_by_role("button", name="Pay $125.50")).to_be_visible()
    payer.close()

    page.goto(f"{agency}/bonds/{book.bond_id}/pay-links")
    row = page.locator(".pay-link-row").first
    expect(row).to_contain_text("Opened")
    expect(row).to_contain_text("$125.50")
    expect(row).to_contain_text("opened")
    assert page.evaluate(CLIPPED) == []
    problems += _problems(page, f"paylinks-{size}-page")
    context.close()
    assert problems == []
