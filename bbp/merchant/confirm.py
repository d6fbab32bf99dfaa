"""Entering a payment Stripe confirmed: the ledger entry for a succeeded PaymentIntent, once.

Only a Connect webhook calls this, inside the agency's transaction, with the PaymentIntent as
Stripe has it now (retrieved, never the event's snapshot). The ledger's unique `external_id`
(`payments.services.record_confirmed`) makes a redelivered or concurrent event add nothing.
"""

from __future__ import annotations

from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant.models import OnlinePayment
from bbp.merchant.money import from_cents
from bbp.payments import services as payments
from bbp.payments.models import Payment


def record_succeeded(row: OnlinePayment, intent: stripe.PaymentIntent) -> Payment | None:
    """Enter what the PaymentIntent received toward the bond's premium and close its row;
    None while Stripe has not taken the money."""
    if intent.status != "succeeded" or not intent.amount_received:
        return None
    bond = db.session.get(Bond, row.bond_id)
    entry = payments.record_confirmed(
        bond, "premium", from_cents(intent.amount_received), intent.id, row.payer_name
    )
    row.status, row.payment_id = "succeeded", entry.id
    row.next_attempt_on, row.last_error, row.updated_at = None, "", utcnow()
    return entry
