"""A defendant and a cosigner with very long names, on the staff bond page at a desk and on a
phone: every list of people to choose from (Texts → To, the signer, the pay link's Send to)
shows each name whole, nothing scrolls sideways, and choosing the cosigner works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import sign_in_staff
from tests.merchant.checkout_support import connected
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book, texts_to
from tests.support import add_user

pytestmark = pytest.mark.browser
DEFENDANT = "Bartholomew Maximiliano Alejandro de los Santos Villavicencio-Echeverría"
COSIGNER = "Maximiliana Esperanza de la Concepción Villanueva-Hernández"
PANELS = ("#messages", "#signatures", "#pay-links")
# Anything in a panel whose content is wider than its box (cut off) or that spills out of it.
CLIPPED = """panel => [...document.querySelectorAll(panel + ' *')]
  .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
    || el.getBoundingClientRect().right > document.querySelector(panel).getBoundingClientRect().right + 1)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''))"""
# A select cuts a long option to its own width, which no box measurement shows: none may list
# a person.
SELECTS_OF_PEOPLE = """names => [...document.querySelectorAll('main select option')]
  .filter(o => names.some(n => o.textContent.includes(n))).map(o => o.textContent)"""


@pytest.mark.parametrize("size", list(SIZES))
def test_long_names_are_whole_in_every_list_of_people_on_the_bond_page(
    app, browser, live_server, tenant, size
):
    book = make_book(app, tenant)
    with inside(app, tenant):
        db.session.get(Defendant, book.defendant_id).first_name = DEFENDANT
        db.session.get(Indemnitor, book.cosigner_id).first_name = COSIGNER
        db.session.commit()
    connected(app, tenant)
    agent = add_user(app, tenant.info, "agent")
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_staff(page, agency, agent.email)

    page.goto(f"{agency}/bonds/{book.bond_id}")
    expect(page.locator("#pay-links").get_by_role("button", name="Text pay link")).to_be_visible()
    defendant, cosigner = f"{DEFENDANT} Reyes (defendant)", f"{COSIGNER} Reyes (cosigner)"
    texts, signatures = page.locator("#messages"), page.locator("#signatures")
    expect(texts.get_by_label(f"{defendant} · (305) 555-0142")).to_be_checked()
    expect(signatures.get_by_label(defendant)).to_be_checked()
    expect(page.locator("#pay-links").get_by_label(f"{cosigner} · (305) 555-0177")).to_be_visible()
    assert page.evaluate(SELECTS_OF_PEOPLE, [DEFENDANT, COSIGNER]) == []
    problems = _look(page, f"long-names-{size}-bond-page")

    texts.get_by_label(f"{cosigner} · (305) 555-0177").check()
    texts.get_by_label("Message").fill("Please call the office.")
    texts.get_by_role("button", name="Send text").click()
    expect(page.locator(".notice").filter(has_text="Text queued.")).to_be_visible()
    assert [m.body for m in texts_to(app, tenant, COSIGNER_PHONE)] == ["Please call the office."]

    signatures = page.locator("#signatures")
    signatures.get_by_label(cosigner).check()
    signatures.get_by_label("Document").select_option(label="Indemnity agreement")
    signatures.get_by_role("button", name="Send for signature").click()
    sent = page.locator("#signatures .court-row").first
    expect(sent).to_contain_text("Indemnity Agreement")
    expect(sent).to_contain_text(f"· {cosigner}")
    problems += _look(page, f"long-names-{size}-after-sending")
    context.close()
    assert problems == []


def _look(page, name: str) -> list[str]:
    """What _problems finds on the page, and anything cut off or spilling out of a panel."""
    found = []
    for panel in PANELS:
        page.locator(panel).scroll_into_view_if_needed()
        found += [f"{name} {panel}: {el} is cut off" for el in page.evaluate(CLIPPED, panel)]
    return found + _problems(page, name)
