"""Main staff flows in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from bbp.billing.models import Plan
from bbp.dev.billing_seed import DEMO_PLANS
from bbp.dev.seed import DEMO_AGENCIES, DEMO_PASSWORD, PLATFORM_ADMIN, seed_demo
from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from bbp.platform.provisioning import drop_tenant
from tests.browser_fixtures import screenshot
from tests.support import PASSWORD, add_user

pytestmark = pytest.mark.browser


def _url(agency, port, path="/"):
    return f"http://{agency.slug}.localhost:{port}{path}"


def _sign_in(page, agency, port, email=None):
    page.goto(_url(agency, port))
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(email or agency.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_owner_signs_in_on_demo_localhost_and_sees_the_dashboard(page, live_server, tenant):
    page.goto(_url(tenant, live_server))
    screenshot(page, "login-desktop")
    _sign_in(page, tenant, live_server)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    expect(page.locator(".brand-name")).to_have_text(tenant.name)
    expect(page.get_by_role("link", name="Team")).to_be_visible()
    screenshot(page, "dashboard-desktop")


def test_wrong_password_message_appears_without_losing_the_email(page, live_server, tenant):
    page.goto(_url(tenant, live_server, "/login"))
    page.get_by_label("Email").fill(tenant.owner_email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page.get_by_label("Email")).to_have_value(tenant.owner_email)


def test_team_search_and_deactivate_on_a_phone(app, phone, live_server, tenant):
    add_user(app, tenant.info, "agent", email="casey@alpha.example", name="Casey Field")
    add_user(app, tenant.info, "agent", email="robin@alpha.example", name="Robin Desk")
    _sign_in(phone, tenant, live_server)
    expect(phone).to_have_url(re.compile(r"/dashboard/$"))
    screenshot(phone, "dashboard-phone")
    phone.get_by_text("Menu", exact=True).click()  # on a phone the sections sit behind a menu
    phone.get_by_role("link", name="Team").click()
    expect(phone.get_by_role("heading", name="Team")).to_be_visible()
    phone.get_by_placeholder("Search name or email").press_sequentially("casey", delay=60)
    expect(phone.locator("#staff-rows")).not_to_contain_text("Robin Desk")
    expect(phone).to_have_url(re.compile(r"q=casey"))
    screenshot(phone, "team-phone")
    phone.on("dialog", lambda dialog: dialog.accept())
    row = phone.locator("tr", has_text="Casey Field")
    row.get_by_role("button", name="Deactivate").click()
    expect(phone.locator("tr", has_text="Casey Field")).to_contain_text("Deactivated")
    expect(
        phone.locator("tr", has_text="Casey Field").get_by_role("button", name="Reactivate")
    ).to_be_visible()


def test_sign_out_from_the_user_menu(page, live_server, tenant):
    _sign_in(page, tenant, live_server)
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")


@pytest.fixture
def demo_agencies(app):
    """The demo data `make run` seeds, in the test database."""

    with app.app_context():
        seed_demo()
    yield
    with app.app_context():
        for agency in DEMO_AGENCIES:
            drop_tenant(agency.slug)
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == PLATFORM_ADMIN))
        # The plans' Stripe objects live in the fake's Redis, which the next test flushes.
        db.session.execute(delete(Plan).where(Plan.name.in_([p.name for p in DEMO_PLANS])))
        db.session.commit()


def test_demo_owner_signs_in_on_demo_localhost(page, live_server, demo_agencies):

    page.goto(f"http://demo.localhost:{live_server}/")
    page.get_by_label("Email").fill("owner@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"demo\.localhost:\d+/dashboard/$"))
    expect(page.locator(".brand-name")).to_have_text("Liberty Bail Bonds")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Olivia")
    page.goto(f"http://acme.localhost:{live_server}/dashboard/")
    expect(page).to_have_url(
        re.compile(r"acme\.localhost:\d+/login")
    )  # demo's session is not acme's
