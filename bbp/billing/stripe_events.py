"""The platform's webhook endpoint: what each Stripe event does, read from the object as Stripe
holds it now, never the snapshot.

The agency is found by the event's Stripe customer id in `public.billing_accounts` (its row is
locked for the transaction, so two events for one agency take turns and the later one fetches
the later state). An event for a customer no agency has, or of a type not handled here, is
recorded and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import dunning, notices, stripe_api, webhooks
from bbp.billing.comps import comp_end
from bbp.billing.models import BillingAccount, Plan, StripeEvent
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant

ACTOR = "Stripe"  # the audit log's actor for what webhooks change

After = webhooks.After


def receive(payload: bytes, header: str | None) -> str:
    """One delivery, signed with the platform's secret: "processed", "duplicate", or raises
    webhooks.Refused."""
    secret = stripe_api.webhook_secret()
    return webhooks.receive(payload, header, secret=secret, model=StripeEvent, dispatch=dispatch)


def dispatch(event: stripe.Event) -> After:
    """Apply one event inside the caller's transaction; returns what to run after the commit."""
    handler = HANDLERS.get(event.type)
    account = _account(getattr(event.data.object, "customer", None)) if handler else None
    if account is None:
        return None
    try:
        return handler(event.data.object.id, account, event)
    except BaseException:
        dunning.forget(account.tenant_id)  # a state cached before the rollback is not true
        raise


def _account(customer) -> BillingAccount | None:
    """The agency's billing row by its Stripe customer id, locked for this transaction."""
    customer_id = customer if isinstance(customer, str) else getattr(customer, "id", None)
    if not customer_id:
        return None
    return db.session.scalar(
        select(BillingAccount)
        .where(BillingAccount.stripe_customer_id == customer_id)
        .with_for_update(of=BillingAccount)
    )


def _subscription_changed(subscription_id: str, account: BillingAccount, event) -> After:
    """Created, updated or deleted: copy the subscription's current state onto the row."""
    sub = stripe_api.client().v1.subscriptions.retrieve(
        subscription_id, params={"expand": ["discounts"]}
    )
    if account.stripe_subscription_id not in (None, sub.id):
        return None  # another subscription of this customer (a stray): not what the agency pays
    item, metered = stripe_api.licensed_item(sub), stripe_api.metered_item(sub)
    if account.subscription_status != sub.status:
        record(
            "billing.subscription_status",
            db.session.get(Tenant, account.tenant_id),
            before={"status": account.subscription_status},
            after={"status": sub.status, "subscription": sub.id},
            actor=ACTOR,
            model=PlatformAuditEntry,
        )
    account.stripe_subscription_id = sub.id
    account.subscription_status = sub.status
    # A plan changed outside the app (the Dashboard, the customer portal): each plan has its
    # own Product, so the price's product names the plan.
    moved_to = db.session.scalar(
        select(Plan.id).where(Plan.stripe_product_id == item.price.product)
    )
    account.plan_id = moved_to or account.plan_id
    account.stripe_price_id = item.price.id
    account.price_cents = item.price.unit_amount  # what MRR counts (revenue.py)
    account.stripe_overage_price_id = metered.price.id if metered else None
    account.comped_until = comp_end(sub)
    account.trial_ends_at = moment(sub.trial_end)
    account.current_period_end = moment(item.current_period_end)
    account.cancel_at_period_end = sub.cancel_at_period_end
    account.updated_at = utcnow()
    return None


def _invoice_paid(invoice_id: str, account: BillingAccount, event) -> After:
    """A paid invoice returns the agency to active (dunning ignores a payment dated before the
    failure that started its episode, and never touches a platform admin's suspension)."""
    if dunning.find(account.tenant_id) is None:
        return None  # it never missed a payment: nothing to clear (and no row to make)
    client = stripe_api.client()
    invoice = client.v1.invoices.retrieve(invoice_id)
    if invoice.status != "paid" or _still_owed(client, account):
        return None  # an older invoice is still open: the agency is not paid up
    paid_at = moment(invoice.status_transitions.paid_at) or moment(event.created)
    dunning.payment_succeeded(account.tenant_id, paid_at, actor=ACTOR)
    return None


def _still_owed(client, account: BillingAccount) -> bool:
    """Whether any of the agency's invoices is still open with money remaining."""
    params = {"customer": account.stripe_customer_id, "status": "open", "limit": 100}
    owed = client.v1.invoices.list(params=params).auto_paging_iter()
    return any(invoice.amount_remaining > 0 for invoice in owed)


def _payment_failed(invoice_id: str, account: BillingAccount, event) -> After:
    """A failed payment makes the agency past due, unless the invoice is settled by now (a
    failure delivered after the payment that followed it)."""
    invoice = stripe_api.client().v1.invoices.retrieve(invoice_id)
    if invoice.status != "open" or not invoice.amount_remaining:
        return None
    dunning.payment_failed(account.tenant_id, moment(event.created), actor=ACTOR)
    return None


def _trial_ending(subscription_id: str, account: BillingAccount, event) -> After:
    """Stripe's three days' notice: owe the owners an email, sent once the event commits."""
    sub = stripe_api.client().v1.subscriptions.retrieve(subscription_id)
    if sub.status != "trialing" or sub.trial_end is None:
        return None  # the trial ended or was canceled since: nothing to warn of
    price = stripe_api.licensed_item(sub).price
    notices.trial_ending(account.tenant_id, moment(sub.trial_end), price.unit_amount)
    return None


HANDLERS: dict[str, Callable[[str, BillingAccount, stripe.Event], After]] = {
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "customer.subscription.trial_will_end": _trial_ending,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _payment_failed,
    # invoice.finalized is recorded only: the amount due reaches the agency through the
    # invoice's own page, and what it owes changes only when a payment fails or succeeds.
}
