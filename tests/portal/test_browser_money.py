"""On a phone: the number pad for sign-in, a consent error in view, the plan and the footer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bbp.extensions import db
from bbp.payments.models import Instalment, PaymentPlan
from bbp.settings import services as settings
from tests.browser_fixtures import screenshot
from tests.portal.conftest import COSIGNER_PHONE, inside, last_code, make_book
from tests.portal.test_money import pay
from tests.signatures.conftest import link_path, send, work

pytestmark = pytest.mark.browser


def _url(agency, port, path):
    return f"http://{agency.slug}.localhost:{port}{path}"


def test_a_missing_consent_tick_lands_beside_the_box_on_a_phone(
    app, redis, phone, live_server, tenant
):
    book = make_book(app, tenant)
    send(app, tenant, book)
    work(app, redis)
    phone.goto(_url(tenant, live_server, link_path(app, tenant)))
    expect(phone.get_by_text("Step 1 of 3")).to_be_visible()
    phone.get_by_role("button", name="Send me a code").tap()
    expect(phone.get_by_label("Code")).to_be_visible()  # the code is queued once this shows
    work(app, redis)
    phone.get_by_label("Code").fill(last_code(app, tenant, COSIGNER_PHONE))
    phone.get_by_role("button", name="Confirm").tap()
    expect(phone.get_by_text("Step 2 of 3")).to_be_visible()
    phone.get_by_role("button", name="Continue").tap()
    error = phone.locator("#consent-agree-error")
    expect(error).to_have_text("Tick the box to agree, or decline to sign below.")
    assert phone.url.endswith("#consent-form")
    # The browser scrolls to the anchor once the page is laid out: wait for it, wholly in view.
    expect(error).to_be_in_viewport(ratio=1)
    expect(phone.locator("#consent-agree")).to_be_in_viewport(ratio=1)
    screenshot(phone, "portal-consent-error-phone")
    phone.get_by_role("link", name="Tick the box to agree, or decline to sign below.").tap()
    phone.get_by_label("I agree to use electronic records and signatures.").check()
    phone.get_by_role("button", name="Continue").tap()
    expect(phone.get_by_text("Step 3 of 3")).to_be_visible()


def test_sign_in_plan_receipts_and_footer_on_a_phone(app, redis, phone, live_server, tenant):
    book = make_book(app, tenant)
    today = date.today()
    with inside(app, tenant):
        row = settings.current()
        row.address_line1, row.city, row.state, row.postal_code = (
            "9 Court St",
            "Miami",
            "FL",
            "33101",
        )
        row.phone, row.license_number = "3055550100", "P123456"
        plan = PaymentPlan(bond_id=book.bond_id, down_payment=Decimal("100.00"))
        plan.instalments = [
            Instalment(due_on=today - timedelta(days=20), amount=Decimal("200.00")),
            Instalment(due_on=today + timedelta(days=10), amount=Decimal("200.00")),
        ]
        db.session.add(plan)
        db.session.commit()
    pay(app, tenant, book.bond_id, "150.00", "R-000034")

    phone.goto(_url(tenant, live_server, "/portal/login"))
    field = phone.get_by_label("Mobile number")
    expect(field).to_have_attribute("inputmode", "tel")
    expect(phone.locator("#call-agency")).to_have_attribute("href", "tel:+13055550100")
    screenshot(phone, "portal-login-phone")
    phone.get_by_role("link", name="Use email instead").tap()
    expect(phone.get_by_label("Email address")).to_have_attribute("type", "email")
    phone.get_by_role("link", name="Use my mobile number instead").tap()
    phone.get_by_label("Mobile number").fill("(305) 555-0177")
    phone.get_by_role("button", name="Send me a code").tap()
    expect(phone.get_by_role("heading", name="Enter your code")).to_be_visible()
    work(app, redis)
    phone.get_by_label("Code").fill(last_code(app, tenant, COSIGNER_PHONE))
    phone.get_by_role("button", name="Sign in").tap()
    phone.get_by_role("link", name="Court dates and payments").first.tap()

    plan_table = phone.locator("table.plan-lines")
    expect(plan_table.locator("tr.plan-paid")).to_have_count(1)
    expect(plan_table.locator("tr.plan-overdue")).to_contain_text("Overdue, $150.00 left")
    expect(plan_table.locator("tr.plan-due")).to_contain_text("Due")
    expect(phone.get_by_role("link", name="Receipt R-000034 (PDF)")).to_be_visible()
    screenshot(phone, "portal-bond-plan-phone")
