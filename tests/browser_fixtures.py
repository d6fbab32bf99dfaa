"""A live server and headless Debian Chromium driven by Playwright (shared by every folder)."""

from __future__ import annotations

import os
import re
import threading

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import delete
from werkzeug.serving import make_server

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAdmin
from tests.platform.conftest import add_admin
from tests.support import PASSWORD
from tests.tools import require_tool

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the test app on a free loopback port; agencies are <slug>.localhost:<port>."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = require_tool(CHROMIUM)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Save a screenshot when BBP_SCREENSHOTS names a folder (for looking at the UI)."""
    folder = os.environ.get("BBP_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


# What each admin's authenticator app holds, learned when the browser enrolled it: the secret,
# and the last time step used (a code works once, so a second sign-in uses the next step's).
_APPS: dict[str, list] = {}


def sign_in_console(page, console: str, email: str, password: str) -> None:
    """Sign a platform admin in on the console at `console` (its base URL) in a real browser,
    second step included: a first sign-in enrolls an app (and passes the recovery codes)."""
    page.goto(f"{console}/platform/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/platform/two-step"))
    if page.url.endswith("/enroll"):
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        _APPS[email] = [secret, 0]
        page.get_by_label("Code from the app").fill(console_code(email))
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        page.get_by_role("button", name="I saved them").click()
    else:
        page.get_by_label("Code").fill(console_code(email))
        page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/platform/$"))


def sign_in_staff(page, agency: str, email: str) -> None:
    """Sign a staff member in on the agency at `agency` (its base URL), onto the dashboard."""
    page.goto(f"{agency}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def console_code(email: str) -> str:
    """The code the admin's app shows now, or the next step's when now's was used."""
    secret, last = _APPS[email]
    step = max(int(utcnow().timestamp()) // 30, last + 1)
    _APPS[email][1] = step
    return pyotp.TOTP(secret).generate_otp(step)


@pytest.fixture
def superadmin(app):
    """A superadmin's email (password PASSWORD, two-step not yet enrolled), removed afterwards."""
    email = add_admin(app, "superadmin")
    yield email
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == email))
        db.session.commit()
