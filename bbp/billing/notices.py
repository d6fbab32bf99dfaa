"""Billing emails to an agency's owners: the trial's end and each step of dunning.

Every dunning email says what still works for the agency's clients, and those sent while money
is owed carry the link to Stripe's hosted page of the open invoice, where an owner pays without
signing in (the only way to pay once staff are shut out). docs/billing.md, "The emails", quotes
them. Each is owed in the transaction that changes the agency's standing (a webhook's, the
dunning sweep's), into the agency's email outbox (`messaging.emails`), once per owner and
occasion: a retried event or a rolled-back change never sends one twice or loses one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from bbp.auth.models import User
from bbp.billing import stripe_api
from bbp.billing.models import BillingAccount
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.clock import local
from bbp.kernel.links import tenant_url
from bbp.messaging import emails
from bbp.tenancy.context import bound, in_schema
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

log = logging.getLogger(__name__)
PURPOSE = "billing"


def trial_ending(tenant_id: int, ends: datetime, cents: int | None) -> None:
    """Tell the owners when the free trial ends and what the plan then costs."""
    info = _agency(tenant_id)
    if info is None:
        return
    day = _day(info, ends)
    price = f" at ${cents / 100:,.2f} a month" if cents else ""
    grace = current_app.config["DUNNING_GRACE_DAYS"]
    body = (
        f"The free trial of {info.name} on BailBondPro ends on {day}. From then on the "
        f"subscription is billed{price}, charged to the card on file with Stripe.\n\n"
        "If no card is on file by then, the first payment fails and the account becomes past "
        f"due; {grace} days later it becomes read-only: no new bonds, imports, invitations or "
        "settings changes. " + CLIENTS_SAFE
    )
    subject = f"{info.name}: your BailBondPro trial ends on {day}"
    _to_owners(info, subject, body, f"trial_ending:{ends.isoformat()}")


CLIENTS_SAFE = (
    "Court reminders, check-ins, the client portal and signing keep working for your clients "
    "whatever happens."
)


def past_due(tenant_id: int, at: datetime, read_only_on: datetime, link: str | None) -> None:
    """A payment failed: the account is past due, and when it turns read-only."""
    info = _agency(tenant_id)
    if info is None:
        return
    body = (
        f"The latest payment for {info.name} on BailBondPro failed, so the account is past "
        f"due.\n\n{_how_to_pay(link)}If it is still unpaid on {_day(info, read_only_on)}, "
        "the account becomes read-only: no new bonds, imports, invitations or settings changes. "
        + CLIENTS_SAFE
    )
    subject = f"{info.name}: payment failed, account past due"
    _to_owners(info, subject, body, f"past_due:{at.isoformat()}")


def read_only(tenant_id: int, since: datetime, suspended_on: datetime, link: str | None) -> None:
    """Still unpaid after the grace period: the account is read-only, and until when."""
    info = _agency(tenant_id)
    if info is None:
        return
    body = (
        f"The BailBondPro bill for {info.name} is still unpaid, so since "
        f"{_day(info, since)} the account is read-only: new bonds, imports, invitations and "
        "settings changes wait until it is paid. Court dates, payments, check-ins, collateral "
        f"returns and documents for existing bonds still work.\n\n{_how_to_pay(link)}"
        f"If it is still unpaid on {_day(info, suspended_on)}, staff can no longer sign in. "
        + CLIENTS_SAFE
    )
    subject = f"{info.name}: account read-only until the bill is paid"
    _to_owners(info, subject, body, f"read_only:{since.isoformat()}")


def suspended(tenant_id: int, since: datetime, link: str | None) -> None:
    """Still unpaid: staff are shut out until it is paid; how to pay without signing in."""
    info = _agency(tenant_id)
    if info is None:
        return
    body = (
        f"The BailBondPro bill for {info.name} is still unpaid, so since {_day(info, since)} "
        "staff cannot sign in. Your data is kept safe, and the account opens again as soon as "
        f"the payment goes through.\n\n{_how_to_pay(link, signed_out=True)}" + CLIENTS_SAFE
    )
    subject = f"{info.name}: account suspended for non-payment"
    _to_owners(info, subject, body, f"suspended:{since.isoformat()}")


def recovered(tenant_id: int, episode: datetime) -> None:
    """A payment went through after a missed one (the episode past due since `episode`):
    everything works again."""
    info = _agency(tenant_id)
    if info is None:
        return
    body = (
        f"Thank you: the payment for {info.name} on BailBondPro went through, and the account "
        "is back to normal. Everyone can sign in and work as usual."
    )
    subject = f"{info.name}: payment received, account back to normal"
    _to_owners(info, subject, body, f"recovered:{episode.isoformat()}")


def _how_to_pay(link: str | None, signed_out: bool = False) -> str:
    """Where to pay: the open invoice's hosted page (`link`) when Stripe gave it, and the Billing
    page."""
    where = (
        f"write to BailBondPro billing at {current_app.config['MAIL_FROM']}"
        if signed_out
        else "update the card on your Billing page (Account menu, Billing)"
    )
    if link:
        return f"Pay the open invoice here, no sign-in needed:\n{link}\n\nOr {where}.\n\n"
    return f"To pay, {where}.\n\n"


def open_invoice_url(tenant_id: int) -> str | None:
    """The hosted page of the agency's oldest open invoice, if Stripe answers: fetched before the
    agency's dunning row is locked, so a slow Stripe never holds it (webhooks wait on it)."""
    account = db.session.get(BillingAccount, tenant_id)
    if account is None or account.stripe_customer_id is None:
        return None
    params = {"customer": account.stripe_customer_id, "status": "open", "limit": 100}
    try:
        found = stripe_api.client().v1.invoices.list(params=params).data
    except stripe.StripeError:
        log.warning("billing: no open invoice link for agency %s (Stripe failed)", tenant_id)
        return None
    link = found[-1].hosted_invoice_url if found else None
    if link and link.startswith("/"):  # the fake Stripe's page lives on our own hosts
        info = _agency(tenant_id)
        return tenant_url(info, link) if info else None
    return link


def _agency(tenant_id: int):
    """The agency to tell, None when it is closed: a purged one has no schema (no owners, no
    outbox), and no worker sends a deleting or restored one's mail."""
    tenant = db.session.get(Tenant, tenant_id)
    info = tenant_by_slug(tenant.slug) if tenant else None
    return None if info is None or info.closed else info


def _day(info, moment: datetime) -> str:
    with bound(info):
        return local(moment).strftime("%B %-d, %Y")  # the agency's own day


def _to_owners(info, subject: str, body: str, occasion: str) -> None:
    """Owe the email to each active owner, in the caller's transaction (bound to no agency)."""
    owners = db.session.execute(
        select(User.id, User.email).where(User.role == "owner", User.active.is_(True)),
        execution_options=in_schema(info),
    ).all()
    for user_id, email in owners:
        emails.queue(email, subject, body, PURPOSE, f"{occasion}:{user_id}", tenant=info)
