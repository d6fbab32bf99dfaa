"""The payments export says how an online payment was made in the staff's words, with the card,
and keeps its Stripe id in the reference column."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bbp.billing import stripe_api
from tests.dataio.test_exports import _csv
from tests.merchant.checkout_support import complete, connected, deliver, online, pay, session_of
from tests.portal import conftest as portal

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
VISA = "Online card payment, Visa ending in 4242, in the portal"
book, cosigner = portal.book, portal.cosigner


@pytest.fixture(autouse=True)
def daytime(app, clock):
    """Noon, and the fake Stripe's log and queue empty of other tests' calls and events."""
    clock.set(NOON)
    with app.app_context():
        fake = stripe_api.fake()
        fake.requests.clear()
        fake.take_pending()


@pytest.fixture
def paid(app, tenant, book, cosigner):
    """The cosigner paid the next amount due through Checkout with the fake's Visa 4242."""
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [row] = online(app, tenant, book.bond_id)
    assert (row.card_brand, row.card_last4) == ("visa", "4242")
    return row


def _rows(visitor) -> list[dict[str, str]]:
    header, *rows = _csv(visitor.get("/data/payments.csv"))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_an_online_payment_is_in_the_staffs_words_with_its_stripe_id_beside(owner, paid):
    [row] = _rows(owner)
    assert row["Method"] == VISA
    assert row["Reference"] == paid.payment_intent_id
    assert row["Payer"] and row["Void"] == "No"


def test_the_other_agencys_export_has_neither_the_payment_nor_its_card(other_tenant, paid, visit):
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    response = other.get("/data/payments.csv")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "4242" not in body and paid.payment_intent_id not in body
