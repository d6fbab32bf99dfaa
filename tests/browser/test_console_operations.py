"""The console's migration progress bar in a real browser: it follows the run without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from rq import Queue, SimpleWorker
from sqlalchemy import delete

from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from tests.browser_fixtures import sign_in_console
from tests.platform.conftest import add_admin
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def superadmin(app):
    email = add_admin(app, "superadmin")
    yield email
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == email))
        db.session.commit()


def test_the_progress_bar_follows_a_run_to_its_end(
    app, redis, page, live_server, tenant, superadmin
):
    console = f"http://admin.localhost:{live_server}"
    sign_in_console(page, console, superadmin, PASSWORD)
    page.goto(f"{console}/platform/operations/migrations")
    page.get_by_role("button", name="Migrate every agency").click()
    expect(page.get_by_text("Migrating every agency: the progress bar")).to_be_visible()
    expect(page.get_by_text("Waiting for a worker")).to_be_visible()
    expect(page.get_by_role("button", name="Show the running migration")).to_be_visible()
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    # No reload: htmx polls the run's fragment every second until it is done.
    expect(page.get_by_text("The run finished.")).to_be_visible(timeout=10_000)
    bar = page.locator("#migration-run progress")
    expect(bar).to_have_attribute("value", bar.get_attribute("max"))
    expect(page.locator("#migration-run")).not_to_have_attribute("hx-trigger", "every 1s")
