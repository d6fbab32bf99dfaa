"""A cosigner whose installments left are all overdue learns why autopay is not offered, at a
desk and on a phone: the bond page's line, the autopay page's reason and its Pay button, and
the Pay page's overdue amount. Every page fits the window and passes axe."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bbp.extensions import db
from bbp.kernel.clock import agency_today
from bbp.payments.models import Instalment, PaymentPlan
from tests.browser.test_every_page import AXE, SIZES, _problems
from tests.merchant.checkout_support import connected
from tests.portal.conftest import (
    inside,
    make_book,
    sign_in_to_portal,
)

pytestmark = pytest.mark.browser


def _overdue_plan(app, agency, bond_id: int) -> None:
    """Nothing down; two $250 installments due 20 and 10 days ago, unpaid."""
    with inside(app, agency):
        today = agency_today()
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal("0.00"))
        plan.instalments = [
            Instalment(due_on=today - timedelta(days=days), amount=Decimal("250.00"))
            for days in (20, 10)
        ]
        db.session.add(plan)
        db.session.commit()


@pytest.mark.parametrize("size", list(SIZES))
def test_only_overdue_installments_left_says_why_and_leads_to_paying(
    app, browser, live_server, tenant, size
):
    book = make_book(app, tenant)
    connected(app, tenant)
    _overdue_plan(app, tenant, book.bond_id)
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in_to_portal(app, page, tenant, f"http://{tenant.slug}.localhost:{live_server}")
    problems: list[str] = []

    expect(page.locator("#autopay-state")).to_contain_text(
        "Autopay is not available while every installment left is overdue."
    )
    problems += _problems(page, f"autopay-overdue-{size}-bond")
    page.locator("#autopay-state").get_by_role("link", name="Why?").click()
    reason = page.locator("#autopay-not-offered")
    expect(reason).to_contain_text("every installment left on this plan is past its due date")
    expect(reason).not_to_contain_text("does not take card payments")
    problems += _problems(page, f"autopay-overdue-{size}-reason")
    reason.get_by_role("button", name="Pay $500.00 now").click()

    expect(page.get_by_role("heading", name="Make a payment")).to_be_visible()
    expect(page.locator("label[for=pay-due]")).to_contain_text("Overdue: $500.00")
    expect(page.locator("#pay-autopay-note")).to_contain_text("every installment left is past due")
    problems += _problems(page, f"autopay-overdue-{size}-pay")
    context.close()
    assert problems == []
