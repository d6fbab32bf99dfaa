"""A new platform admin enrolls an authenticator app in a real browser, at desktop and phone size."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAdmin
from tests.browser.test_every_page import AXE, AXE_RUN, SIZES, WCAG
from tests.browser_fixtures import screenshot
from tests.platform.conftest import add_admin
from tests.support import PASSWORD

pytestmark = pytest.mark.browser

OVERFLOW = "width => document.documentElement.scrollWidth > width"


def _clean(page, name: str) -> list[str]:
    """What a person would notice: sideways scrolling, and axe's findings; plus a screenshot."""
    screenshot(page, name)
    found = page.evaluate(AXE_RUN, WCAG)
    if page.evaluate(OVERFLOW, page.viewport_size["width"]):
        found.append("the page scrolls sideways")
    return [f"{name}: {problem}" for problem in found]


@pytest.mark.parametrize("size", list(SIZES))
def test_a_new_admin_enrolls_and_reaches_the_console(app, browser, live_server, size):
    email = add_admin(app, "support")
    console = f"http://admin.localhost:{live_server}"
    context = browser.new_context(**SIZES[size])
    context.add_init_script(path=AXE)
    page = context.new_page()
    try:
        page.goto(f"{console}/platform/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
        qr = page.locator("svg.qr-code")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 150 and box["width"] <= page.viewport_size["width"]
        problems = _clean(page, f"{size}-console-enroll")

        page.get_by_label("Code from the app").fill("000000")
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        field = page.get_by_label("Code from the app")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field-error")).to_contain_text("That code is not right")
        problems += _clean(page, f"{size}-console-enroll-wrong")

        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        field.fill(pyotp.TOTP(secret).at(utcnow()))
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        problems += _clean(page, f"{size}-console-recovery-codes")

        page.get_by_role("button", name="I saved them").click()
        expect(page.get_by_role("heading", name="Agencies")).to_be_visible()
        assert problems == []
    finally:
        context.close()
        with app.app_context():
            db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == email))
            db.session.commit()
