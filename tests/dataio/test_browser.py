"""The import in a real browser: a boosted upload, the preview, and a progress bar that polls."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import screenshot, sign_in_staff
from tests.dataio.test_import import BOOK, _work

pytestmark = pytest.mark.browser


def test_an_import_from_upload_to_finished_without_reloading(
    app, redis, page, live_server, tenant, tmp_path
):
    base = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_staff(page, base, tenant.owner_email)

    page.goto(f"{base}/data/")
    screenshot(page, "data-index")
    book = tmp_path / "book.csv"
    book.write_text(BOOK)
    page.get_by_label("CSV file").set_input_files(book)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")
    expect(page.get_by_text("3 bonds in the file")).to_be_visible()
    screenshot(page, "import-preview")

    page.get_by_role("button", name="Import 3 bonds").click()
    expect(page).to_have_url(re.compile(r"/progress$"))
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Waiting for a worker")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")

    _work(app, redis)
    expect(progress).to_contain_text("Import finished", timeout=10_000)  # swapped in by polling
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator("progress")).to_have_attribute("value", "3")
    screenshot(page, "import-finished")
