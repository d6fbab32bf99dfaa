"""Marking collateral returned in a real browser: the name box is found by its visible label."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import screenshot, sign_in_staff
from tests.collateral.test_collateral import _receive
from tests.factories import make_bond

pytestmark = pytest.mark.browser


def test_mark_returned_by_the_labeled_box(app, page, live_server, tenant):
    bond_id = make_bond(app, tenant, status="exonerated")
    _receive(app, tenant, bond_id)
    base = f"http://{tenant.slug}.localhost:{live_server}"
    sign_in_staff(page, base, tenant.owner_email)

    page.goto(f"{base}/collateral/")
    label = page.locator("label", has_text="Returned to")
    expect(label).to_be_visible()
    screenshot(page, "collateral-held")
    box = page.get_by_label("Returned to")
    expect(box).to_have_value("Ann Pledger")
    box.fill("Ann P.")
    page.get_by_role("button", name="Mark returned").click()
    expect(page.locator(".collateral-row")).to_contain_text("Returned to Ann P. on")
    expect(page.get_by_label("Returned to")).to_have_count(0)
