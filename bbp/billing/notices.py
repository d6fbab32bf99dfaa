"""Billing emails to an agency's owners (the trial's end; dunning sends its own past-due one)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from bbp.auth.models import User
from bbp.extensions import db
from bbp.kernel import mail
from bbp.kernel.clock import local
from bbp.tenancy.context import bound
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug


def trial_ending(tenant_id: int, ends: datetime, cents: int | None) -> None:
    """Tell the owners when the free trial ends and what the plan then costs."""
    tenant = db.session.get(Tenant, tenant_id)
    info = tenant_by_slug(tenant.slug) if tenant else None
    if info is None:
        return
    with bound(info):
        day = local(ends).strftime("%B %-d, %Y")  # the agency's own day
    price = f" at ${cents / 100:,.2f} a month" if cents else ""
    grace = current_app.config["DUNNING_GRACE_DAYS"]
    body = (
        f"The free trial of {info.name} on BailBondPro ends on {day}. From then on the "
        f"subscription is billed{price}, charged to the card on file with Stripe.\n\n"
        "If no card is on file by then, the first payment fails and the account becomes past "
        f"due; {grace} days later it becomes read-only: no new bonds, imports, invitations or "
        "settings changes. Court reminders, check-ins, the client portal and signing keep "
        "working for your clients whatever happens."
    )
    _to_owners(info, f"{info.name}: your BailBondPro trial ends on {day}", body)


def _to_owners(info, subject: str, body: str) -> None:
    # A session of its own: the caller's stays as it is.
    session = db.session.session_factory()
    with bound(info, session):  # closes the session when done
        owners = session.scalars(
            select(User.email).where(User.role == "owner", User.active.is_(True))
        ).all()
        for email in owners:
            mail.send(email, subject, body)
