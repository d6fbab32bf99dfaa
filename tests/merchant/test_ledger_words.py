"""The staff ledger names an online payment in words (how it was paid, the card's brand and
last four digits) and keeps the Stripe id small beside it for reconciliation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.merchant.checkout_support import complete, connected, deliver, online, pay, session_of
from tests.portal import conftest as portal
from tests.portal.conftest import make_book

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
book, cosigner = portal.book, portal.cosigner


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)


def for_cell(page: str, receipt: str) -> str:
    """The ledger row's "For" cell of a receipt, as HTML."""
    row = re.search(rf"{receipt}</a>.*?</tr>", page, re.S).group(0)
    return re.search(r'<td data-label="For">(.*?)</td>', row, re.S).group(1)


def test_a_portal_payment_shows_the_card_and_the_stripe_id_small(
    app, tenant, book, cosigner, owner
):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [row] = online(app, tenant, book.bond_id)
    assert (row.card_brand, row.card_last4) == ("visa", "4242")
    cell = for_cell(owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True), "R-000001")
    words, stripe = cell.split("<br>")
    assert words == "Premium · Online card payment, Visa ending in 4242, in the portal"
    assert stripe == (
        '<small class="muted stripe-id" title="Stripe reference, for reconciliation">'
        f"Stripe {row.payment_intent_id}</small>"
    )


def test_an_office_payment_keeps_its_method_and_reference(app, tenant, book, owner):
    owner.get(f"/payments/bonds/{book.bond_id}/new")
    response = owner.post(
        f"/payments/bonds/{book.bond_id}/new",
        {
            "kind": "premium",
            "method": "check",
            "amount": "50.00",
            "reference": "1042",
            "payer_name": "Rosa Reyes",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    cell = for_cell(owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True), "R-000001")
    assert cell == "Premium · Check #1042"


def test_the_other_agency_never_sees_these_words(app, tenant, other_tenant, book, cosigner, visit):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    theirs = make_book(app, other_tenant, number="B-2026-0303")
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    page = other.get(f"/bonds/{theirs.bond_id}").get_data(as_text=True)
    assert "Online card payment" not in page and "4242" not in page
    assert "No payments yet." in page
