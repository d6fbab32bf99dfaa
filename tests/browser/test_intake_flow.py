"""The intake flow in a real browser: from a new defendant to a written bond and a payment."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bbp.extensions import db
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.tenancy import bound
from tests.browser_fixtures import screenshot
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def _power(app, agency) -> str:
    with app.app_context(), bound(agency.info, db.session):
        surety = Surety(name="Lexington National", buf_rate=Decimal("0.02"))
        batch = PowerBatch(
            surety=surety,
            prefix="LX",
            first_serial=7001,
            last_serial=7001,
            denomination=Decimal("25000"),
            expires_on=date.today() + timedelta(days=90),
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add(
            Power(
                batch_id=batch.id,
                surety_id=surety.id,
                number="LX-7001",
                denomination=batch.denomination,
                expires_on=batch.expires_on,
            )
        )
        db.session.commit()
    return "LX-7001"


def test_agent_writes_a_bond_and_takes_a_payment(app, phone, live_server, tenant):
    power = _power(app, tenant)
    page = phone
    base = f"http://{tenant.slug}.localhost:{live_server}"
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(tenant.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="New bond").click()

    page.get_by_label("First name").fill("Marcus")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("Mobile phone").fill("305 555 0142")
    page.get_by_role("button", name="Start bond").click()
    expect(page.get_by_role("heading", name="Charges")).to_be_visible()

    page.get_by_label("Case number").fill("2026-CF-0042")
    page.locator("#charges-0-description").fill("Grand theft")
    page.locator("#charges-0-degree").select_option("felony")
    page.locator("#charges-0-bail_amount").fill("abc")
    page.get_by_role("button", name="Save charges and price the bond").click()
    expect(page.get_by_text("Enter an amount such as 1500")).to_be_visible()
    expect(page.get_by_label("Case number")).to_have_value("2026-CF-0042")
    page.locator("#charges-0-bail_amount").fill("5,000")
    page.get_by_role("button", name="Save charges and price the bond").click()

    expect(page.get_by_role("heading", name="Cosigners")).to_be_visible()
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("Relationship to the defendant").fill("Mother")
    page.get_by_role("button", name="Add cosigner").click()
    expect(page.get_by_text("Lena Reyes")).to_be_visible()
    page.get_by_role("button", name="Next: premium and plan").click()

    expect(page.get_by_text("10% of $5,000.00")).to_be_visible()
    page.get_by_label("Down payment").fill("100")
    page.get_by_label("Number of installments").fill("4")
    page.get_by_role("button", name="Save plan and review").click()

    expect(page.get_by_role("heading", name="Review and write")).to_be_visible()
    option = page.locator("#power_id option", has_text=power).inner_text()
    page.get_by_label("Power of attorney").select_option(label=option)
    screenshot(page, "intake-review-phone")
    page.get_by_role("button", name=re.compile(r"Write bond B-")).click()
    expect(page.get_by_text(re.compile(r"Bond B-\d+ is written\."))).to_be_visible()
    expect(page.locator(".badge-status")).to_have_text("Written (posted)")
    expect(page.get_by_text(power)).to_be_visible()

    page.get_by_role("link", name="Take a payment").click()
    page.get_by_label("Amount").fill("100")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(r"Payment recorded: receipt R-000001"))).to_be_visible()
    expect(page.locator("#payments")).to_contain_text("$400.00")  # 500 premium - 100 paid
    screenshot(page, "bond-written-phone")


def test_the_plan_schedule_updates_as_typed_and_the_down_payment_is_due_now(
    app, page, live_server, tenant
):
    power = _power(app, tenant)
    base = f"http://{tenant.slug}.localhost:{live_server}"
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(tenant.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="New bond").click()
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Whitlock")
    page.get_by_role("button", name="Start bond").click()
    page.locator("#charges-0-description").fill("Burglary")
    page.locator("#charges-0-bail_amount").fill("5000")
    page.get_by_role("button", name="Save charges and price the bond").click()
    expect(page.locator("#price-so-far")).to_contain_text("$500.00")
    page.get_by_role("button", name="Next: premium and plan").click()

    schedule = page.locator("#plan-schedule")
    expect(schedule).to_contain_text("Enter the down payment")
    page.get_by_label("Down payment").fill("100")
    page.locator("#count").fill("4")
    expect(schedule.locator("tbody tr")).to_have_count(5)  # the down payment and 4 installments
    expect(schedule).to_contain_text("$100.00")
    page.locator("#count").fill("2")
    expect(schedule.locator("tbody tr")).to_have_count(3)
    expect(schedule).to_contain_text("$200.00")
    page.get_by_label("Down payment").fill("9999")
    expect(schedule).to_contain_text("between $0.00 and the total")
    page.get_by_label("Down payment").fill("100")
    expect(schedule.locator("tbody tr")).to_have_count(3)
    screenshot(page, "intake-plan-desktop")
    page.get_by_role("button", name="Save plan and review").click()

    expect(page.locator("#price-so-far")).to_contain_text("$500.00")
    option = page.locator("#power_id option", has_text=power).inner_text()
    page.get_by_label("Power of attorney").select_option(label=option)
    page.get_by_role("button", name=re.compile(r"Write bond B-")).click()
    due = page.locator("#due-now")
    expect(due).to_contain_text("Due now: $100.00 · due today")
    expect(due).not_to_contain_text("overdue")
    screenshot(page, "bond-due-now-desktop")
    due.get_by_role("button", name="Take payment").click()
    expect(page.get_by_label("Amount")).to_have_value("100.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(r"Payment recorded: receipt R-000001"))).to_be_visible()
    expect(page.locator("#due-now")).to_have_count(0)
