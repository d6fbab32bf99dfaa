"""What a newcomer's walkthrough found cut or adrift, at a desk and on a phone: the audit log's
long values stay in their columns, receipt numbers on one line, search hints whole, a held
item's badge beside its form, the no-JS autopay page with a heading, the console's revenue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.collateral import services as collateral
from bbp.extensions import db
from bbp.payments import services as payments
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.browser_fixtures import screenshot, sign_in_console, sign_in_staff
from tests.portal.conftest import inside, make_book
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
FINGERPRINT = "1a897be1455f15d0b0bdd1c74f73e283b93ffd0ca110d351fa37d5291b497482"
# Cells whose text is cut: wider content than the box that does not scroll.
CUT = """selector => [...document.querySelectorAll(selector)]
  .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent.trim())"""
# An input's placeholder wider than the room for text in it: typed in as a value, it scrolls.
HINT_CUT = """selector => {
  const input = document.querySelector(selector), typed = input.value;
  input.value = input.placeholder;
  const cut = input.scrollWidth > input.clientWidth;
  input.value = typed;
  return cut;
}"""
LINES = "el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"


def _book(app, tenant) -> tuple[int, str]:
    """A bond with a cash payment, collateral held, and an autopay agreement in the log."""
    book = make_book(app, tenant)
    with inside(app, tenant):
        bond = db.session.get(Bond, book.bond_id)
        owner = db.session.scalar(select(User).where(User.role == "owner"))
        payments.record_payment(bond, "premium", "cash", Decimal("337.50"), "", "Rosa Reyes", owner)
        collateral.receive(
            bond, "vehicle", "2019 Ford F-150, title", Decimal("14000"), "Rosa", owner
        )
        record(
            "autopay.authorized",
            bond,
            after={"bond": bond.number, "payer": "Rosa Reyes", "sha256": FINGERPRINT},
            actor="portal: Rosa Reyes-Villanueva de la Concepción",
        )
        db.session.commit()
        return book.bond_id, bond.number


@pytest.mark.parametrize("size", list(SIZES))
def test_agency_pages_keep_long_values_in_their_columns(app, browser, live_server, tenant, size):
    bond_id, _ = _book(app, tenant)
    agency = f"http://{tenant.slug}.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    try:
        sign_in_staff(page, agency, tenant.owner_email)
        expect(page.locator("#autopay-trouble")).to_contain_text("No autopay charge has failed.")
        screenshot(page, f"newcomer-dashboard-{size}")
        assert _problems(page, "dashboard") == []

        page.goto(f"{agency}/audit/")
        expect(page.locator(".audit-log")).to_contain_text(FINGERPRINT)
        screenshot(page, f"newcomer-audit-{size}")
        assert _problems(page, "audit") == []
        assert page.evaluate(CUT, ".audit-log td") == []

        page.goto(f"{agency}/bonds/{bond_id}")
        receipt = page.locator("#payments td[data-label=Receipt] a").first
        expect(receipt).to_have_text("R-000001")
        assert receipt.evaluate(LINES) == 1
        assert page.locator(".collateral-row a.nowrap").first.evaluate(LINES) == 1
        held = page.locator(".collateral-row .badge-ok")
        button = page.locator(".collateral-row").get_by_role("button", name="Mark returned")
        if size == "desktop":  # beside the form, on its line
            assert abs(held.bounding_box()["y"] - button.bounding_box()["y"]) < 20
        screenshot(page, f"newcomer-bond-{size}")
        assert _problems(page, "bond") == []

        page.goto(f"{agency}/payments/")
        assert page.evaluate(HINT_CUT, "input[name=q]") is False
        screenshot(page, f"newcomer-payments-{size}")

        page.goto(f"{agency}/bonds/{bond_id}/autopay")
        expect(page.get_by_role("heading", level=1)).to_have_text("Autopay")
        screenshot(page, f"newcomer-autopay-{size}")
        assert _problems(page, "autopay") == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_console_labels_utc_and_its_search_hint_fits(
    app, browser, live_server, superadmin, tenant, size
):
    console = f"http://admin.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    try:
        sign_in_console(page, console, superadmin, PASSWORD)
        assert page.evaluate(HINT_CUT, "input[name=q]") is False
        pipeline = page.locator("#revenue dl.facts").bounding_box()
        mix = page.get_by_role("heading", name="Plan mix").bounding_box()
        assert mix["y"] - (pipeline["y"] + pipeline["height"]) >= 16  # a gap, not touching
        expect(page.locator("thead").last).to_contain_text("Open bonds")
        screenshot(page, f"newcomer-console-{size}")
        assert _problems(page, "console") == []
    finally:
        context.close()
