"""Paying in the portal through Checkout: a direct charge on the agency's account with the
platform's fee, entered in the ledger only by the webhook, once, in any order."""

from __future__ import annotations

from decimal import Decimal

from bbp.billing import stripe_api
from tests.merchant.checkout_support import (
    complete,
    connected,
    deliver,
    ledger,
    online,
    pay,
    pick,
    session_of,
    success_path,
)
from tests.portal.conftest import book, cosigner  # noqa: F401  (fixtures)


def test_paying_the_amount_due_enters_it_once_when_the_webhook_confirms(app, tenant, book, cosigner):
    account = connected(app, tenant)
    response = pay(cosigner, book.bond_id)
    where, session_id = session_of(response)
    assert where == account
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            session = fake.get("checkout_sessions", session_id)
    assert session["amount_total"] == 50000
    assert session["mode"] == "payment"
    events = complete(app, account, session_id)
    # Coming back alone enters nothing.
    page = cosigner.get(success_path(app, account, session_id))
    assert page.status_code == 200
    assert "processing" in page.get_data(as_text=True)
    assert ledger(app, tenant, book.bond_id) == []
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["processing"]
    assert set(deliver(app, events)) == {200}
    entered = ledger(app, tenant, book.bond_id)
    assert len(entered) == 1 and entered[0][1] == Decimal("500.00")
    assert deliver(app, events) == [200] * len(events)  # redelivered: nothing more
    assert len(ledger(app, tenant, book.bond_id)) == 1
    rows = online(app, tenant, book.bond_id)
    assert rows[0].status == "succeeded" and rows[0].payment_id is not None
