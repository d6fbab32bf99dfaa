"""The console's simulated payments, run through the fake Stripe when the agency subscribes.

Without a Stripe key, an agency with a subscription in the fake gets a real billing cycle: a
failure issues its invoice with a failed payment, a recovery pays the open invoices, and the
events the fake emits are delivered to the webhook endpoint, which drives dunning as Stripe's
would. An agency without a subscription falls back to calling dunning directly.
"""

from __future__ import annotations

from typing import Any

from bbp.billing import accounts, dunning, fake_delivery, stripe_api
from bbp.extensions import db


def simulate(tenant_id: int, outcome: str, actor: Any) -> str:
    """Audit the simulated payment, then make it happen; returns the dunning state after."""
    account = accounts.account_of(tenant_id)
    subscription = account.stripe_subscription_id if account else None
    if stripe_api.fake() is None or subscription is None or _canceled(subscription):
        return dunning.simulate(tenant_id, outcome, actor)
    dunning.record_simulation(tenant_id, outcome, actor)
    if outcome == "failure":
        _fail(subscription)
    elif not _pay_open(account.stripe_customer_id, subscription):
        return dunning.payment_succeeded(tenant_id, actor=actor)  # nothing open to pay
    db.session.rollback()  # end this request's reads: the webhook's commits are read fresh
    fake_delivery.deliver_pending()
    return dunning.state_of(tenant_id)


def pay_invoice(invoice_id: str) -> None:
    """Pay an open invoice with the test card, as Stripe's hosted page would, and deliver the
    events it makes to the webhook."""
    stripe_api.fake().settle(invoice_id)
    db.session.rollback()  # end this request's reads: the webhook's commits are read fresh
    fake_delivery.deliver_pending()


def _canceled(subscription: str) -> bool:
    return stripe_api.fake().get("subscriptions", subscription)["status"] == "canceled"


def _fail(subscription: str) -> None:
    """Bill the subscription with a failed payment (a trial first ends with a $0 invoice)."""
    fake = stripe_api.fake()
    invoice = fake.issue_invoice(subscription, outcome="failed")
    if invoice["status"] == "paid":  # nothing was due (the trial's invoice): bill a month
        fake.issue_invoice(subscription, outcome="failed")


def _pay_open(customer: str, subscription: str) -> bool:
    """Pay the subscription's open invoices (the card was fixed); False when none is open."""
    client = stripe_api.client()
    open_ones = client.v1.invoices.list(
        params={"customer": customer, "subscription": subscription, "status": "open"}
    )
    for invoice in open_ones.data:
        client.v1.invoices.pay(invoice.id)
    return bool(open_ones.data)
