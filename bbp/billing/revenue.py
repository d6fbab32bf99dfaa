"""The console's front-page figures: monthly recurring revenue, plan mix and past-due agencies.

Read from our tables (billing_accounts, plans, dunning), never from Stripe, so the page stays
fast. MRR is what agencies with a running subscription (active or past due) pay a month on the
price they are actually on, which may be one their plan has replaced; trials are left out of
MRR and shown apart as the trial pipeline (what they would pay once their trials end); a comp
still running counts as $0 (docs/billing.md, "The console").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bbp.billing.dunning import Dunning
from bbp.billing.models import BillingAccount, Plan
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.tenancy.models import Tenant

PAYING = ("active", "past_due")
LIVE = (*PAYING, "trialing")
PAST_DUE = ("past_due", "read_only", "billing_suspended")


@dataclass
class PlanShare:
    """One plan's agencies with a live subscription, paying and in trial."""

    name: str
    paying: int = 0
    trialing: int = 0

    @property
    def agencies(self) -> int:
        return self.paying + self.trialing


@dataclass
class Revenue:
    """MRR and its parts, in cents; agencies counted by what they pay."""

    mrr_cents: int = 0
    paying: int = 0
    comped: int = 0
    unknown_price: int = 0  # paying on a price whose amount we never recorded: left out
    trial_pipeline_cents: int = 0
    trialing: int = 0
    plans: dict[str, PlanShare] = field(default_factory=dict)


def _add(revenue: Revenue, status: str, cents: int | None, comped: bool, plan: str) -> None:
    share = revenue.plans.setdefault(plan, PlanShare(plan))
    if status == "trialing":
        share.trialing += 1
        revenue.trialing += 1
        revenue.trial_pipeline_cents += cents or 0
        return
    share.paying += 1
    revenue.paying += 1
    if comped:
        revenue.comped += 1
    elif cents is None:
        revenue.unknown_price += 1
    else:
        revenue.mrr_cents += cents


def revenue(now: datetime | None = None) -> Revenue:
    """MRR excluding trials, the trial pipeline and the plan mix, from one query."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            BillingAccount.subscription_status,
            BillingAccount.price_cents,
            BillingAccount.comped_until,
            Plan.name,
        )
        .join(Plan, Plan.id == BillingAccount.plan_id)
        .join(Tenant, Tenant.id == BillingAccount.tenant_id)
        .where(BillingAccount.subscription_status.in_(LIVE), Tenant.status != "purged")
    ).all()
    found = Revenue()
    for status, cents, comped_until, plan in rows:
        _add(found, status, cents, comped_until is not None and comped_until > now, plan)
    found.plans = dict(sorted(found.plans.items(), key=lambda kv: (-kv[1].agencies, kv[0])))
    return found


def past_due(limit: int = 50) -> list[tuple[Tenant, Dunning]]:
    """Agencies behind on payment, longest first, for the front page's list."""
    rows = db.session.execute(
        select(Tenant, Dunning)
        .join(Dunning, Dunning.tenant_id == Tenant.id)
        .where(Dunning.state.in_(PAST_DUE), Tenant.status != "purged")
        .order_by(Dunning.past_due_since.nulls_last(), Tenant.name)
        .limit(limit)
    )
    return [(tenant, standing) for tenant, standing in rows]
