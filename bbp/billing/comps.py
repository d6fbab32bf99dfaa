"""Comps and trial extensions from the console, the Stripe way, audited in both logs.

Extending a trial moves the subscription's `trial_end` (`proration_behavior=none`): nothing is
charged until then. A comp is a 100%-off coupon with `duration=repeating` for N months applied
as the subscription's discount: invoices keep coming, at $0, and Stripe ends the discount by
itself. Both are safe to retry: a repeat finds the row already saying so, and each Stripe call
carries an idempotency key derived from the agency and the request (docs/billing.md, "The
console").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.accounts import agency_of, row_version
from bbp.billing.journal import agency_log
from bbp.billing.models import BillingAccount
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import local, utcnow, zone_of
from bbp.kernel.errors import DomainError
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant

TRIAL_LIMIT = timedelta(days=730)  # Stripe refuses a trial ending further ahead
MAX_COMP_MONTHS = 24
REASON_MAX = 500
ENDED = ("canceled", "incomplete_expired")
COMP_PREFIX = "bbp-comp-100-"  # the platform's own coupons; a Dashboard coupon is not a comp


def reason_given(reason: str | None) -> str:
    """The reason kept in both audit logs, or a refusal beside its field."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason: it is kept in both audit logs.", "reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", "reason")
    return reason


def _subscribed(tenant_id: int, field: str) -> tuple[Tenant, BillingAccount]:
    """The agency and its billing row, locked, when its subscription can still be changed."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    if tenant.status in ("deleting", "purged"):
        raise DomainError("The agency is closed: its subscription is being canceled.", field)
    account = db.session.scalar(
        select(BillingAccount)
        .where(BillingAccount.tenant_id == tenant_id)
        .with_for_update(of=BillingAccount)
    )
    if account is None or account.stripe_subscription_id is None:
        raise DomainError("The agency has no subscription yet.", field)
    if account.subscription_status in ENDED:
        raise DomainError("The agency's subscription has ended.", field)
    return tenant, account


def _stripe_failed(exc: stripe.StripeError) -> DomainError:
    if isinstance(exc, stripe.APIConnectionError):
        return DomainError("Stripe could not be reached; nothing changed. Try again.", status=503)
    message = exc.user_message or "no reason given"
    return DomainError(f"Stripe did not accept the change: {message}", status=502)


def trial_end_for(tenant: Tenant, day: date) -> datetime:
    """When a trial ending on `day` ends: the start of that day on the agency's clock (the
    first charge falls on it), refused unless it is ahead and within Stripe's limit."""
    zone = zone_of(tenant)
    now = utcnow()
    if day <= now.astimezone(zone).date():
        raise DomainError("Choose a day after today.", "until")
    end = datetime.combine(day, time.min, zone)
    if end > now + TRIAL_LIMIT:
        latest = (now + TRIAL_LIMIT).astimezone(zone).date() - timedelta(days=1)
        raise DomainError(
            f"Stripe allows a trial up to 730 days ahead: choose {latest:%B %-d, %Y} or sooner.",
            "until",
        )
    return end


def extend_trial(tenant_id: int, day: date | None, reason: str | None, actor: Any) -> bool:
    """Let the agency's trial run until `day`; False when a retry found it already done."""
    if day is None:
        raise DomainError("Choose the day the trial ends.", "until")
    tenant, account = _subscribed(tenant_id, "until")
    end = trial_end_for(tenant, day)
    if account.trial_ends_at == end and account.subscription_status == "trialing":
        db.session.rollback()
        return False
    if account.trial_ends_at is not None and account.trial_ends_at > end:
        raise DomainError("The trial already runs past that day; choose a later one.", "until")
    reason = reason_given(reason)
    ts = int(end.timestamp())
    try:
        sub = stripe_api.client().v1.subscriptions.update(
            account.stripe_subscription_id,
            params={"trial_end": ts, "proration_behavior": "none"},
            options={
                "idempotency_key": agency_of(tenant_id).idempotency_key(
                    f"trial-until-{ts}-{row_version(account)}"
                )
            },
        )
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from None
    before = {"trial_ends": account.trial_ends_at.isoformat() if account.trial_ends_at else None}
    account.trial_ends_at = moment(sub.trial_end)
    account.current_period_end = moment(stripe_api.licensed_item(sub).current_period_end)
    account.subscription_status = sub.status
    after = {"trial_ends": day.isoformat(), "reason": reason}
    _audit(tenant_id, "billing.trial_extended", actor, after, before)
    return True


def comp_end(sub) -> datetime | None:
    """When the platform's comp on a subscription (its discounts expanded) ends, or None."""
    ends = [
        moment(discount.end)
        for discount in sub.discounts or []
        if not isinstance(discount, str)
        and discount.source.coupon.startswith(COMP_PREFIX)
        and discount.end is not None
    ]
    return max(ends, default=None)


def comp_coupon(months: int) -> str:
    """The platform's 100%-off coupon for `months` months (one per length, made once)."""
    coupon_id = f"{COMP_PREFIX}{months}m"
    client = stripe_api.client()
    try:
        return client.v1.coupons.retrieve(coupon_id).id
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_missing":
            raise
    coupon = client.v1.coupons.create(
        params={
            "id": coupon_id,
            "percent_off": 100,
            "duration": "repeating",
            "duration_in_months": months,
            "name": f"Comped: {months} free month{'s' * (months != 1)}",
        },
        options={"idempotency_key": f"bbp-{coupon_id}"},
    )
    return coupon.id


def comp(tenant_id: int, months: int | None, reason: str | None, actor: Any) -> bool:
    """Give the agency `months` free months from today; False when a retry found it done."""
    if months is None or not 1 <= months <= MAX_COMP_MONTHS:
        raise DomainError(f"Give between 1 and {MAX_COMP_MONTHS} months.", "months")
    tenant, account = _subscribed(tenant_id, "months")
    if account.subscription_status == "trialing":
        raise DomainError(
            "The agency is still in its trial, and free months would start today: "
            "extend the trial instead.",
            "months",
        )
    reason = reason_given(reason)
    today = local(utcnow(), zone_of(tenant)).date()
    key = agency_of(tenant_id).idempotency_key(
        f"comp-{months}-{today.isoformat()}-{row_version(account)}"
    )
    try:
        sub = stripe_api.client().v1.subscriptions.update(
            account.stripe_subscription_id,
            params={
                "discounts": [{"coupon": comp_coupon(months)}],
                "proration_behavior": "none",
                "expand": ["discounts"],
            },
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from None
    until = moment(sub.discounts[0].end)
    if account.comped_until == until:
        db.session.rollback()
        return False
    before = {"comped_until": account.comped_until.isoformat() if account.comped_until else None}
    account.comped_until = until
    after = {"months": months, "comped_until": until.date().isoformat(), "reason": reason}
    _audit(tenant_id, "billing.comped", actor, after, before)
    return True


def _audit(
    tenant_id: int, action: str, actor: Any, after: dict, before: dict | None = None
) -> None:
    """Record `action` in the platform log (committing the caller's changes with it), then in
    the agency's own log while its schema exists."""
    tenant = db.session.get(Tenant, tenant_id)
    record(action, tenant, before=before, after=after, actor=actor, model=PlatformAuditEntry)
    with agency_log(tenant_id, actor) as label:
        if label:
            record(action, before=before, after=after, actor=label)
