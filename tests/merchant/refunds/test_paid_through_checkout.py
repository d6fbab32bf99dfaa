"""A payment made the whole way through the portal and Checkout, then refunded in part from the
bond page and reconciled on the payouts page: each part's fake and webhooks together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.merchant.models import OnlinePayment, Payout
from bbp.payments.models import Payment
from tests.merchant.checkout_support import complete, connected, deliver, pay, session_of
from tests.merchant.refunds.support import ledger, signed_in
from tests.merchant.support import fake
from tests.portal import conftest as portal
from tests.portal.conftest import inside
from tests.support import unmarked

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # outside quiet hours: the receipt texts go
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


def test_a_portal_payment_is_refunded_in_part_and_reconciled(app, visit, tenant, book, cosigner):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    with inside(app, tenant):
        entry_id = db.session.scalar(select(OnlinePayment.payment_id))
        paid = db.session.get(Payment, entry_id).amount
    manager = signed_in(app, visit, tenant, "manager")
    bond_page = manager.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert f"/refunds/receipts/{entry_id}" in bond_page

    response = manager.post(
        f"/refunds/receipts/{entry_id}", {"amount": "125.00", "reason": "Reduced at hearing"}
    )
    assert response.status_code == 302
    fake_delivery.deliver_pending(app)
    [payment, refund] = ledger(app, tenant, book.bond_id)
    assert (payment[1], payment[2]) == ("premium", str(paid))
    assert (refund[0], refund[1], refund[2]) == ("R-000002", "refund", "125.00")

    with fake(app).acting_as(account):
        fake(app).pay_out()
    fake_delivery.deliver_pending(app)
    with inside(app, tenant):
        payout_id = db.session.scalar(select(Payout.id))
    page = unmarked(manager.get(f"/payouts/{payout_id}").get_data(as_text=True))
    assert payment[0] in page and refund[0] in page and book.bond_number in page
    assert "-$125.00" in page
