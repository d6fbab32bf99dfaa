"""A receipt of a payment taken online says how it was paid in words, with the card when known,
and keeps the Stripe id on a small line of its own: for staff and in the portal alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.merchant.checkout_support import complete, connected, deliver, online, pay, session_of
from tests.payments.test_receipt_pdf import shown
from tests.portal import conftest as portal
from tests.portal.conftest import make_book, sign_in
from tests.portal.test_money import fetch

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
VISA = "Online card payment, Visa ending in 4242, in the portal"
book, cosigner = portal.book, portal.cosigner


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)


@pytest.fixture
def paid(app, tenant, book, cosigner):
    """The cosigner paid the next amount due through Checkout with the fake's Visa 4242."""
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [row] = online(app, tenant, book.bond_id)
    assert (row.card_brand, row.card_last4) == ("visa", "4242")
    return row


def receipt_lines(visitor, path: str) -> list[str]:
    response = fetch(visitor, path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return shown(response.data)


def test_staff_and_the_payer_read_the_card_in_words_and_the_stripe_id_small(
    app, tenant, book, cosigner, owner, paid
):
    for visitor, path in (
        (owner, f"/payments/{paid.payment_id}/receipt.pdf"),
        (cosigner, f"/portal/payments/{paid.payment_id}/receipt.pdf"),
    ):
        lines = receipt_lines(visitor, path)
        assert lines[lines.index("Method") + 1] == VISA
        assert f"Stripe reference: {paid.payment_intent_id}" in lines
        assert "Reference" not in lines and paid.payment_intent_id not in lines


def test_the_other_agency_gets_no_receipt_nor_its_words(
    app, tenant, other_tenant, book, paid, visit
):
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    refused = fetch(other, f"/payments/{paid.payment_id}/receipt.pdf")
    assert refused.status_code == 404
    assert b"4242" not in refused.data and paid.payment_intent_id.encode() not in refused.data
    # Someone with the same phone on file with the other agency, signed in to its portal.
    make_book(app, other_tenant, number="B-2026-0303")
    outsider = visit(other_tenant)
    sign_in(outsider, app, other_tenant)
    refused = fetch(outsider, f"/portal/payments/{paid.payment_id}/receipt.pdf")
    assert refused.status_code == 404
    assert b"4242" not in refused.data and paid.payment_intent_id.encode() not in refused.data
