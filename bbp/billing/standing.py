"""What the console's agency page shows beside the billing row: texts this billing period
against the plan's included amount, and the balance owed on open invoices (read from Stripe,
so a Stripe outage makes the section say so instead of failing the page)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from bbp.billing import stripe_api
from bbp.billing.models import BillingAccount
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.messaging.queries import sent_between
from bbp.tenancy.context import bound
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug


@dataclass(frozen=True)
class Texts:
    """Outgoing texts since the period began, and their segments (what the meter bills)."""

    since: datetime
    texts: int
    segments: int
    included: int

    @property
    def over(self) -> int:
        return max(self.segments - self.included, 0)


@dataclass(frozen=True)
class Balance:
    """What the agency owes on open invoices, or why it could not be read."""

    cents: int | None
    invoices: int = 0
    problem: str | None = None


def month_before(moment: datetime) -> datetime:
    """One billing month earlier, on the same day or the month's last (Stripe's anchoring)."""
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_start(tenant: Tenant, account: BillingAccount) -> datetime | None:
    """When the current billing period began: a month before its end, not before the agency."""
    if account.current_period_end is None:
        return None
    return max(month_before(account.current_period_end), tenant.created_at)


def texts_this_period(tenant: Tenant, account: BillingAccount | None) -> Texts | None:
    """The agency's texts since its period began, counted in its schema (None: no period)."""
    since = period_start(tenant, account) if account else None
    info = tenant_by_slug(tenant.slug) if since and tenant.status != "purged" else None
    if info is None:
        return None
    session = db.session.session_factory()  # the page's own session stays unbound
    with bound(info, session):  # closes it
        texts, segments = sent_between(since, session=session)
    return Texts(since, texts, segments, account.plan.included_texts)


def balance(account: BillingAccount | None) -> Balance | None:
    """The sum of `amount_remaining` over the customer's open invoices (None: no customer)."""
    if account is None or account.stripe_customer_id is None:
        return None
    params = {"customer": account.stripe_customer_id, "status": "open", "limit": 100}
    try:
        invoices = stripe_api.client().v1.invoices.list(params=params)
        remaining = [invoice.amount_remaining for invoice in invoices.auto_paging_iter()]
    except stripe.APIConnectionError:
        return Balance(None, problem="Stripe could not be reached; the balance is unknown.")
    except stripe.StripeError as exc:
        return Balance(None, problem=f"Stripe did not give the balance: {exc.user_message}")
    return Balance(sum(remaining), len(remaining))
