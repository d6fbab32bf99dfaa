"""Receipts of refunds to the card, and of payments whose card is not known, say so in words
and keep the Stripe id on a small line of its own."""

from __future__ import annotations

from sqlalchemy import select

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.merchant.models import Refund
from bbp.tenancy.context import bound
from tests.merchant.refunds.test_ledger_words import _card
from tests.payments.test_receipt_pdf import shown
from tests.portal.test_money import fetch


def _refunded(app, agency, manager, paid) -> tuple[int, str]:
    """Refund $40.00 of the payment and let Stripe confirm it: the entry's id and Stripe id."""
    manager.get(f"/refunds/receipts/{paid.payment_id}")
    response = manager.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": "40.00", "reason": "Overpaid"}
    )
    assert response.status_code == 302
    assert set(fake_delivery.deliver_pending(app)) == {200}
    with app.app_context(), bound(agency.info, db.session):
        return db.session.execute(select(Refund.payment_id, Refund.stripe_refund_id)).one()


def _lines(manager, payment_id: int) -> list[str]:
    response = fetch(manager, f"/payments/{payment_id}/receipt.pdf")
    assert response.status_code == 200
    return shown(response.data)


def test_a_refund_receipt_names_the_card_and_keeps_the_refunds_stripe_id(
    app, tenant, paid, manager
):
    paid, _ = paid
    _card(app, tenant, paid.online_id)
    entry_id, refund_id = _refunded(app, tenant, manager, paid)
    lines = _lines(manager, entry_id)
    assert "REFUND RECEIPT" in lines
    assert lines[lines.index("Method") + 1] == "Refund to the card, Mastercard ending in 4444"
    assert f"Stripe reference: {refund_id}" in lines and refund_id not in lines
    paid_lines = _lines(manager, paid.payment_id)
    method = paid_lines[paid_lines.index("Method") + 1]
    assert method == "Online card payment, Mastercard ending in 4444, in the portal"


def test_without_the_card_on_file_the_receipts_say_so_without_it(app, tenant, paid, manager):
    paid, _ = paid
    entry_id, refund_id = _refunded(app, tenant, manager, paid)
    lines = _lines(manager, paid.payment_id)
    assert lines[lines.index("Method") + 1] == "Online card payment, in the portal"
    assert f"Stripe reference: {paid.intent}" in lines
    assert not any("ending in" in line for line in lines)
    lines = _lines(manager, entry_id)
    assert lines[lines.index("Method") + 1] == "Refund to the card"
    assert f"Stripe reference: {refund_id}" in lines
