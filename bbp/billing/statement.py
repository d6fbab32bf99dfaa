"""What the owner's billing page shows: the plan, seats, texts this period, the next invoice
and past ones. Stripe's part may be unavailable; the page then says so (never a 500)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bbp.billing import seats, stripe_api
from bbp.billing.models import BillingAccount
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.messaging.queries import sent_between

log = logging.getLogger(__name__)
INVOICES_SHOWN = 12


@dataclass
class Statement:
    """The owner's view of the agency's subscription; Stripe's parts are None when down."""

    account: BillingAccount | None
    seats: seats.Seats | None = None
    period_start: datetime | None = None
    texts_used: int | None = None
    upcoming: object | None = None
    invoices: list = field(default_factory=list)
    unavailable: bool = False
    # Stripe's own status and period end when it answered; our row's otherwise (it may lag
    # Stripe until the webhooks keep it current).
    status: str | None = None
    period_end: datetime | None = None

    @property
    def texts_included(self) -> int | None:
        return self.account.plan.included_texts if self.account else None


def statement(tenant_id: int) -> Statement:
    """The bound agency's billing as its owner sees it."""
    account = db.session.get(BillingAccount, tenant_id)
    found = Statement(account, seats=seats.seats())
    if account is None or account.stripe_subscription_id is None:
        return found
    found.status, found.period_end = account.subscription_status, account.current_period_end
    client = stripe_api.client()
    try:
        sub = client.v1.subscriptions.retrieve(account.stripe_subscription_id)
        item = stripe_api.licensed_item(sub)
        found.status, found.period_start = sub.status, moment(item.current_period_start)
        found.period_end = moment(item.current_period_end)
        found.texts_used = sent_between(found.period_start, utcnow())[1]
        found.upcoming = _upcoming(client, account)
        found.invoices = list(
            client.v1.invoices.list(
                params={"customer": account.stripe_customer_id, "limit": INVOICES_SHOWN}
            ).data
        )
    except stripe.StripeError as exc:
        log.warning("billing details unavailable for agency %s: %s", tenant_id, exc)
        found.unavailable = True
    return found


def _upcoming(client: stripe.StripeClient, account: BillingAccount):
    """The next invoice's preview, or None when none is coming (the subscription ends)."""
    try:
        return client.v1.invoices.create_preview(
            params={
                "customer": account.stripe_customer_id,
                "subscription": account.stripe_subscription_id,
            }
        )
    except stripe.InvalidRequestError as exc:
        if exc.code == "invoice_upcoming_none":
            return None
        raise
