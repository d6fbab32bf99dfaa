"""The platform's fee on each online payment: a percent (in basis points) and fixed cents per
plan, set in the console and audited in the platform log.

The fee of a payment is `money.application_fee`: the percent of the amount rounded half up to
the cent, plus the fixed cents, never more than the payment. Stripe takes it from the payment
on the agency's account as the Checkout session's (or PaymentIntent's) `application_fee_amount`;
a refund made with `refund_application_fee=true` gives back the same share of the fee as of
the payment (docs/payments-connect.md, "The platform's fee").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing.models import BillingAccount, Plan
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant.money import application_fee, dollars
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy import require_tenant

MAX_BPS = 2000  # 20% of a payment
MAX_FIXED_CENTS = 1000  # $10.00 a payment


def plan_of(tenant_id: int) -> Plan | None:
    """The plan the agency is on, or None when it has none (then the fee is nothing)."""
    return db.session.scalar(
        select(Plan)
        .join(BillingAccount, BillingAccount.plan_id == Plan.id)
        .where(BillingAccount.tenant_id == tenant_id)
    )


def fee_for(amount_cents: int) -> int:
    """The platform's fee, in cents, on a payment of `amount_cents` to the bound agency, under
    its plan's fee as it is now (an agency with no plan pays none)."""
    plan = plan_of(require_tenant().id)
    if plan is None:
        return 0
    return application_fee(amount_cents, plan.application_fee_bps, plan.application_fee_cents)


def label(basis_points: int, fixed_cents: int) -> str:
    """ "2.9% + $0.30", "2.9%", "$0.50", or "None"."""
    parts = []
    if basis_points:
        parts.append(f"{(Decimal(basis_points) / 100).normalize():f}%")
    if fixed_cents:
        parts.append(dollars(fixed_cents))
    return " + ".join(parts) or "None"


def _checked(basis_points: int, fixed_cents: int) -> None:
    if not 0 <= basis_points <= MAX_BPS:
        raise DomainError("Enter a percent from 0 to 20.", "percent")
    if not 0 <= fixed_cents <= MAX_FIXED_CENTS:
        raise DomainError("Enter a fixed fee from $0.00 to $10.00.", "fixed")


@atomic
def set_fee(plan_id: int, basis_points: int, fixed_cents: int, actor: Any) -> Plan:
    """Change a plan's fee for payments from now on (those already taken keep theirs); in the
    platform audit log with the fee before and after."""
    _checked(basis_points, fixed_cents)
    plan = db.session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update())
    if plan is None:
        raise DomainError("There is no such plan.", status=404)
    before = {"bps": plan.application_fee_bps, "fixed_cents": plan.application_fee_cents}
    after = {"bps": basis_points, "fixed_cents": fixed_cents}
    if before == after:
        return plan
    plan.application_fee_bps, plan.application_fee_cents = basis_points, fixed_cents
    record(
        "plan.fee_changed", plan, before=before, after=after, actor=actor, model=PlatformAuditEntry
    )
    return plan
