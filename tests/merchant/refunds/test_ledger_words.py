"""Refunds and lost disputes in the staff ledger read as words with the card, not Stripe ids."""

from __future__ import annotations

from sqlalchemy import update

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.merchant.models import OnlinePayment
from bbp.tenancy.context import bound
from tests.merchant.refunds.test_disputes import _close, _open
from tests.merchant.test_ledger_words import for_cell


def _card(app, agency, online_id: int) -> None:
    with app.app_context(), bound(agency.info, db.session):
        db.session.execute(
            update(OnlinePayment)
            .where(OnlinePayment.id == online_id)
            .values(card_brand="mastercard", card_last4="4444")
        )
        db.session.commit()


def test_a_refund_reads_refund_to_the_card(app, tenant, paid, manager):
    paid, bond_id = paid
    _card(app, tenant, paid.online_id)
    manager.get(f"/refunds/receipts/{paid.payment_id}")
    response = manager.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": "40.00", "reason": "Overpaid"}
    )
    assert response.status_code == 302
    assert set(fake_delivery.deliver_pending(app)) == {200}
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    paid_cell, refund_cell = for_cell(page, "R-000001"), for_cell(page, "R-000002")
    assert paid_cell.startswith(
        "Premium · Online card payment, Mastercard ending in 4444, in the portal<br>"
    )
    assert refund_cell.startswith("Refund · Refund to the card, Mastercard ending in 4444<br>")
    assert "Stripe re_" in refund_cell and "#re_" not in page and "#pi_" not in page


def test_a_lost_dispute_reads_card_dispute_lost(app, tenant, paid, manager):
    paid, bond_id = paid
    dispute_id, opened = _open(app, paid)
    closed = _close(app, paid, dispute_id, won=False)
    assert set(fake_delivery.deliver([*opened, *closed], app)) == {200}
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    cell = for_cell(page, "R-000002")
    assert cell.startswith("Refund · Card dispute lost<br>") and f"Stripe {dispute_id}" in cell
