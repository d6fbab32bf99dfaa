"""Each agency's billing row, and the job that gives it a Stripe Customer and Subscription.

The job is safe to run any number of times, concurrently or after a crash: the row is read
before every Stripe call (a step already saved is skipped), every call carries an idempotency
key derived from the agency and the step (a call whose answer was lost gets the same object
back), and an id is saved only where none is yet (docs/billing.md, "Subscribing an agency").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rq import Queue, Retry
from sqlalchemy import select, update

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.billing import stripe_api
from bbp.billing.intervals import interval_start
from bbp.billing.models import BillingAccount, Plan
from bbp.billing.stripe_api import moment
from bbp.extensions import db, redis_client
from bbp.kernel import wakeups
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.ids import row_id
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAuditEntry
from bbp.settings.models import AgencySettings
from bbp.tenancy.context import bound
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

log = logging.getLogger(__name__)
RETRY_SECONDS = [10, 60, 300]


def account_of(tenant_id: int) -> BillingAccount | None:
    """The agency's billing row, or None when it has no plan."""
    return db.session.get(BillingAccount, tenant_id)


def offered_plan(plan_id: int | str) -> Plan:
    """The plan a new agency may start on, or a refusal beside the plan field."""
    found = row_id(plan_id)
    plan = db.session.get(Plan, found) if found else None
    if plan is None or not plan.active or plan.stripe_price_id is None:
        raise DomainError("Choose one of the plans offered.", "plan_id")
    return plan


@atomic
def choose_plan(tenant_id: int, plan_id: int, actor) -> BillingAccount:
    """Put a new agency on a plan (its subscription is made by a job after the commit)."""
    plan = offered_plan(plan_id)
    if db.session.get(BillingAccount, tenant_id) is not None:
        raise DomainError("The agency already has a plan.", "plan_id")
    tenant = db.session.get(Tenant, tenant_id)
    account = BillingAccount(tenant_id=tenant_id, plan_id=plan.id, cancel_at_period_end=False)
    db.session.add(account)
    record(
        "billing.plan_chosen",
        tenant,
        after={"plan": plan.name, "trial_days": plan.trial_days},
        actor=actor,
        model=PlatformAuditEntry,
    )
    return account


def subscribe_later(tenant_id: int) -> None:
    """Have a worker open the agency's Stripe customer and subscription."""
    Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue(
        subscribe_job,
        tenant_id,
        description=f"open billing for agency {tenant_id}",
        retry=Retry(max=3, interval=RETRY_SECONDS),  # Stripe down for a moment: try again
    )


def subscribe_job(tenant_id: int) -> str | None:
    """Worker job: open the agency's Stripe customer and subscription."""
    with job_app().app_context():
        try:
            return subscribe(tenant_id)
        finally:
            db.session.remove()


@dataclass(frozen=True)
class Agency:
    """What the Stripe calls need of an agency, read once (commits and bindings expire rows)."""

    id: int
    slug: str
    name: str
    created: int

    def idempotency_key(self, purpose: str) -> str:
        """One key per agency and step; the creation time keeps a reused id (a database reset
        against the same Stripe account) from being answered with another agency's object."""
        return f"bbp-agency-{self.id}-{self.created}-{purpose}"


def row_version(account: BillingAccount) -> str:
    """The billing row's last change, for idempotency keys: a retry of a change (nothing saved
    since) gets Stripe's first answer back, while the same change asked again after others
    (A, then B, then A) is a new request, never a stale answer replayed."""
    return f"v{int(account.updated_at.timestamp() * 1_000_000)}"


def agency_of(tenant_id: int) -> Agency:
    """The agency as its Stripe calls name it (its idempotency keys included)."""
    tenant = db.session.get(Tenant, tenant_id)
    return Agency(tenant.id, tenant.slug, tenant.name, int(tenant.created_at.timestamp()))


def subscribe(tenant_id: int) -> str | None:
    """Create what the agency still lacks in Stripe; returns the subscription id."""
    account = account_of(tenant_id)
    if account is None or db.session.get(Tenant, tenant_id).status in ("deleting", "purged"):
        db.session.rollback()
        return None  # a closed agency is being unsubscribed, not subscribed
    tenant = agency_of(tenant_id)
    if account.stripe_customer_id is None:
        customer_id = _create_customer(tenant)
        _save(tenant_id, BillingAccount.stripe_customer_id, stripe_customer_id=customer_id)
        account = account_of(tenant_id)
    if account.stripe_subscription_id is None:
        values = _create_subscription(tenant, account)
        _save(tenant_id, BillingAccount.stripe_subscription_id, **values)
        wakeups.enrol(tenant_id, tasks=(wakeups.METER,))  # its texts are metered from now
        db.session.commit()
        account = account_of(tenant_id)
    subscription_id = account.stripe_subscription_id
    db.session.rollback()
    return subscription_id


def _save(tenant_id: int, unset_column, **values) -> None:
    """Write the ids only where none is saved yet (a concurrent run saved the same ones)."""
    db.session.execute(
        update(BillingAccount)
        .where(BillingAccount.tenant_id == tenant_id, unset_column.is_(None))
        .values(**values, updated_at=utcnow())
    )
    db.session.commit()


def _create_customer(tenant: Agency) -> str:
    # The agency's name, its owner's email (Stripe mails invoices and receipts there) and its
    # address (which Stripe Tax needs); the email is kept in Stripe only, never in public
    # (docs/billing.md, "What lives where").
    params = {"name": tenant.name, "metadata": {"tenant_id": str(tenant.id), "slug": tenant.slug}}
    email, address = billing_contact(tenant.slug)
    if email:
        params["email"] = email
    if address:
        params["address"] = address
    customer = stripe_api.client().v1.customers.create(
        params=params, options={"idempotency_key": tenant.idempotency_key("customer")}
    )
    return customer.id


def billing_contact(slug: str) -> tuple[str | None, dict | None]:
    """The agency's first owner's email and its address as Stripe takes it, read in its schema."""
    db.session.rollback()  # the binding needs no open transaction
    info = tenant_by_slug(slug)
    with bound(info, db.session):
        email = db.session.scalar(
            select(User.email).where(User.role == "owner").order_by(User.id).limit(1)
        )
        agency = db.session.scalar(select(AgencySettings).limit(1))
        address = stripe_address(agency) if agency is not None else None
        db.session.rollback()
    return email, address


def stripe_address(agency: AgencySettings) -> dict | None:
    """The agency's address in Stripe's shape, or None until it has a street and ZIP code."""
    if not (agency.address_line1 and agency.postal_code):
        return None
    fields = {
        "line1": agency.address_line1,
        "line2": agency.address_line2,
        "city": agency.city,
        "state": agency.state,
        "postal_code": agency.postal_code,
    }
    return {**{k: v for k, v in fields.items() if v}, "country": "US"}


def _tax_for(customer_id: str) -> dict:
    """Stripe Tax when the platform turned it on and the customer has an address to tax by."""
    tax = stripe_api.automatic_tax()
    if tax["enabled"]:
        address = stripe_api.client().v1.customers.retrieve(customer_id).address
        if not (address and address.postal_code):
            # Stripe refuses automatic tax without a location; the agency is not kept from its
            # trial for it (docs/billing.md, "Taxes").
            log.warning("billing: customer %s has no address; subscribed without tax", customer_id)
            return {"enabled": False}
    return tax


def _create_subscription(tenant: Agency, account: BillingAccount) -> dict:
    plan = account.plan
    price = account.stripe_price_id or plan.stripe_price_id
    metered = account.stripe_overage_price_id or plan.stripe_overage_price_id
    items = [{"price": price}] + ([{"price": metered}] if metered else [])
    params = {
        "customer": account.stripe_customer_id,
        "items": items,
        # No card yet: the trial runs without one, and a plan without a trial waits for it.
        "payment_behavior": "default_incomplete",
        "automatic_tax": _tax_for(account.stripe_customer_id),
        "metadata": {"tenant_id": str(tenant.id), "slug": tenant.slug, "plan_id": str(plan.id)},
    }
    if plan.trial_days and account.subscription_number == 1:
        params["trial_period_days"] = plan.trial_days  # one trial per agency: none on a return
    number = f"-n{account.subscription_number}" if account.subscription_number > 1 else ""
    key = tenant.idempotency_key(
        f"subscription-{price}" + (f"-{metered}" if metered else "") + number
    )
    sub = stripe_api.client().v1.subscriptions.create(
        params=params, options={"idempotency_key": key}
    )
    licensed, overage = stripe_api.licensed_item(sub), stripe_api.metered_item(sub)
    return {
        "stripe_subscription_id": sub.id,
        "stripe_price_id": licensed.price.id,
        "price_cents": licensed.price.unit_amount,
        "stripe_overage_price_id": overage.price.id if overage else None,
        # Texts are metered from the hour the subscription starts (docs/billing.md).
        "texts_metered_through": interval_start(moment(sub.start_date)) if overage else None,
        "subscription_status": sub.status,
        "trial_ends_at": moment(sub.trial_end),
        "current_period_end": moment(licensed.current_period_end),
        "cancel_at_period_end": sub.cancel_at_period_end,
    }
