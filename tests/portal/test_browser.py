"""On a phone: a cosigner signs in with a code, sees the court date, signs by drawing, verifies."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import screenshot
from tests.portal.conftest import COSIGNER_PHONE, last_code, make_book
from tests.signatures.conftest import fetch, send, work

pytestmark = pytest.mark.browser


def _url(agency, port, path):
    return f"http://{agency.slug}.localhost:{port}{path}"


def _draw(page) -> None:
    box = page.locator("#signature-pad").bounding_box()
    left, top = box["x"], box["y"]
    points = [(0.1, 0.7), (0.3, 0.2), (0.5, 0.8), (0.7, 0.3), (0.9, 0.6)]
    page.mouse.move(left + box["width"] * points[0][0], top + box["height"] * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + box["width"] * x, top + box["height"] * y, steps=8)
    page.mouse.up()


def test_a_cosigner_signs_the_indemnity_agreement_on_a_phone(
    app, redis, phone, live_server, tenant
):
    book = make_book(app, tenant)
    request_id = send(app, tenant, book)
    work(app, redis)

    phone.goto(_url(tenant, live_server, "/portal/login"))
    phone.get_by_label("Mobile number").fill("(305) 555-0177")
    phone.get_by_role("button", name="Send me a code").tap()
    expect(phone.get_by_role("heading", name="Enter your code")).to_be_visible()
    work(app, redis)  # the worker sends the code
    phone.get_by_label("Code").fill(last_code(app, tenant, COSIGNER_PHONE))
    phone.get_by_role("button", name="Sign in").tap()

    expect(phone.get_by_text("Richard E. Gerstein Justice Building").first).to_be_visible()
    expect(phone.get_by_text("1351 NW 12th St, Miami, FL 33125").first).to_be_visible()
    screenshot(phone, "portal-home-phone")
    phone.get_by_role("button", name="Review and sign").tap()
    expect(phone.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    phone.get_by_role("button", name="Review and sign").tap()

    expect(phone.get_by_text("Step 1 of 2")).to_be_visible()
    phone.get_by_label("I agree to use electronic records and signatures.").check()
    phone.get_by_role("button", name="Continue").tap()

    expect(phone.get_by_text("Step 2 of 2")).to_be_visible()
    phone.get_by_role("button", name="Draw my signature instead").tap()
    expect(phone.locator("#signature-pad")).to_be_visible()
    _draw(phone)
    phone.get_by_label("I have read this document and I sign it electronically.").check()
    screenshot(phone, "portal-sign-phone")
    phone.get_by_role("button", name="Sign the document").tap()
    expect(phone.get_by_text("Signed. Thank you.")).to_be_visible()

    item = fetch(app, tenant, request_id)
    assert (item.status, item.signature_kind) == ("signed", "drawn")
    download = phone.get_by_role("button", name="Download the signed document")
    fetched = phone.evaluate(
        "async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer()))",
        download.get_attribute("href"),
    )  # the page's own fetch: same cookies, same host resolution as the phone
    pdf = bytes(fetched)
    assert hashlib.sha256(pdf).hexdigest() == item.signed_sha256

    phone.goto(_url(tenant, live_server, "/verify"))
    phone.get_by_label("Signed PDF").set_input_files(
        files=[{"name": "indemnity.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    phone.get_by_role("button", name="Check").tap()
    result = phone.locator("#verify-result")
    expect(result).to_have_attribute("data-verdict", "signed")
    expect(result).to_contain_text("signed by Rosa Reyes")
    screenshot(phone, "portal-verify-phone")
