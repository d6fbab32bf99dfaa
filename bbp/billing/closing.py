"""An agency's subscription when the agency is deleted, purged, or its deletion undone.

Deleting an agency sets its subscription to cancel at the end of the period already paid
(`cancel_at_period_end`): nothing is refunded or prorated, nothing more is charged, and the
deletion can still be undone for 30 days, which switches the cancellation off again. The
purge, which cannot be undone, cancels at once whatever still runs (a long trial). Each step is
a job queued after the commit, run under a lock on the billing row so a cancel and a reopen
never cross, skipped when the agency's state moved on meanwhile, retried while Stripe is down,
and audited in both logs (docs/billing.md, "The console").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rq import Queue, Retry
from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.accounts import agency_of
from bbp.billing.journal import agency_log
from bbp.billing.models import BillingAccount
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.models import WORKING_STATUSES, Tenant

# Stripe down for minutes or hours: retried over a day, then left on the failed jobs board.
RETRY_SECONDS = [60, 600, 3600, 6 * 3600, 12 * 3600]
ENDED = ("canceled", "incomplete_expired")
ACTOR = "billing"


def _enqueue(job, tenant_id: int, stamp: int, description: str) -> None:
    Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue(
        job,
        tenant_id,
        stamp,
        description=f"{description} for agency {tenant_id}",
        retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS),
    )


def close_later(tenant_id: int) -> None:
    """After a deletion or a purge commits: have a worker cancel the agency's subscription."""
    _enqueue(close_job, tenant_id, int(utcnow().timestamp()), "cancel the subscription")


def reopen_later(tenant_id: int) -> None:
    """After an undone deletion commits: have a worker switch the cancellation off."""
    _enqueue(reopen_job, tenant_id, int(utcnow().timestamp()), "reopen the subscription")


def close_job(tenant_id: int, requested: int) -> str:
    """Worker job: `close`."""
    with job_app().app_context():
        try:
            return close(tenant_id, requested)
        finally:
            db.session.remove()


def reopen_job(tenant_id: int, requested: int) -> str:
    """Worker job: `reopen`."""
    with job_app().app_context():
        try:
            return reopen(tenant_id, requested)
        finally:
            db.session.remove()


def _locked(tenant_id: int) -> tuple[Tenant | None, BillingAccount | None]:
    account = db.session.scalar(
        select(BillingAccount)
        .where(BillingAccount.tenant_id == tenant_id)
        .with_for_update(of=BillingAccount)
    )
    return db.session.get(Tenant, tenant_id), account


def _save(account: BillingAccount, sub) -> None:
    account.subscription_status = sub.status
    account.cancel_at_period_end = bool(sub.cancel_at_period_end)
    account.current_period_end = moment(stripe_api.licensed_item(sub).current_period_end)


def _ended(account: BillingAccount, subscription_id: str) -> str:
    """Stripe refused because the subscription already ended: say so in the row."""
    _save(account, stripe_api.client().v1.subscriptions.retrieve(subscription_id))
    db.session.commit()
    return "already ended"


DELETED = "agency deleted"  # the metadata a deletion's cancellation carries in Stripe


def close(tenant_id: int, requested: int) -> str:
    """Cancel the subscription of a deleting agency at period end, of a purged one at once."""
    tenant, account = _locked(tenant_id)
    at_once = tenant is not None and tenant.status == "purged"
    skip = _nothing_to_close(tenant, account, at_once)
    if skip:
        db.session.rollback()
        return skip
    subscriptions = stripe_api.client().v1.subscriptions
    key = agency_of(tenant_id).idempotency_key(
        "cancel-now" if at_once else f"cancel-at-period-end-{requested}"
    )
    try:
        if at_once:
            sub = subscriptions.cancel(
                account.stripe_subscription_id,
                params={"prorate": False, "invoice_now": False},
                options={"idempotency_key": key},
            )
        else:
            sub = subscriptions.update(
                account.stripe_subscription_id,
                params={"cancel_at_period_end": True, "metadata": {"closed": DELETED}},
                options={"idempotency_key": key},
            )
    except stripe.InvalidRequestError:
        return _ended(account, account.stripe_subscription_id)
    _save(account, sub)
    ends = datetime.fromtimestamp(sub.ended_at, UTC) if at_once else account.current_period_end
    after = {
        "when": "at once" if at_once else "at period end",
        "ends": ends.date().isoformat(),
        "reason": "agency purged" if at_once else "agency deleted",
    }
    _audit(tenant_id, "billing.canceled", ACTOR, after)
    return "canceled at once" if at_once else "cancels at period end"


def _nothing_to_close(tenant, account, at_once: bool) -> str | None:
    """Why there is nothing to cancel now, or None."""
    if account is None or account.stripe_subscription_id is None:
        return "no subscription"
    if tenant.status not in ("deleting", "purged"):
        return "deletion undone"
    if account.subscription_status in ENDED:
        return "already ended"
    if account.cancel_at_period_end and not at_once:
        return "already canceling"
    return None


def reopen(tenant_id: int, requested: int) -> str:
    """Switch off the cancellation a deletion set, when the subscription still runs; an ended
    one stays ended (the agency is on no running plan, which its billing section says)."""
    tenant, account = _locked(tenant_id)
    skip = _nothing_to_reopen(tenant, account)
    if skip:
        db.session.rollback()
        return skip
    if account.subscription_status not in ENDED and not _closed_by_deletion(account):
        db.session.rollback()
        return "the agency's own cancellation kept"  # the owner canceled before the deletion
    if account.subscription_status not in ENDED:
        key = agency_of(tenant_id).idempotency_key(f"reopen-{requested}")
        try:
            sub = stripe_api.client().v1.subscriptions.update(
                account.stripe_subscription_id,
                params={"cancel_at_period_end": False, "metadata": {"closed": ""}},
                options={"idempotency_key": key},
            )
        except stripe.InvalidRequestError:
            _ended(account, account.stripe_subscription_id)
            tenant, account = _locked(tenant_id)
        else:
            _save(account, sub)
            _audit(tenant_id, "billing.reopened", ACTOR, {"reason": "deletion undone"})
            return "reopened"
    ended = account.current_period_end.date().isoformat() if account.current_period_end else None
    _audit(tenant_id, "billing.ended_while_closed", ACTOR, {"ended": ended})
    return "ended while closed"


def _closed_by_deletion(account) -> bool:
    """Whether the cancellation Stripe holds is the one the deletion set (its metadata says so),
    not one the owner had scheduled: undoing a deletion keeps the owner's."""
    try:
        sub = stripe_api.client().v1.subscriptions.retrieve(account.stripe_subscription_id)
    except stripe.InvalidRequestError:
        return True  # gone from Stripe: the update below finds it ended
    return (sub.metadata.to_dict() if sub.metadata else {}).get("closed") == DELETED


def _nothing_to_reopen(tenant, account) -> str | None:
    """Why there is nothing to reopen now, or None."""
    if account is None or account.stripe_subscription_id is None:
        return "no subscription"
    if tenant.status not in (*WORKING_STATUSES, "restored"):
        return "still closed"
    if not account.cancel_at_period_end and account.subscription_status not in ENDED:
        return "nothing to reopen"
    return None


def _audit(tenant_id: int, action: str, actor: Any, after: dict) -> None:
    """Record `action` in the platform log (committing the caller's changes with it), then in
    the agency's own log while its schema exists."""
    tenant = db.session.get(Tenant, tenant_id)
    record(action, tenant, after=after, actor=actor, model=PlatformAuditEntry)
    with agency_log(tenant_id, actor) as label:
        if label:
            record(action, after=after, actor=label)
