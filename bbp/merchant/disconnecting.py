"""Disconnecting the agency's Stripe account: by its owner, or when the agency is deleted.

Both release the account (bbp/merchant/stopping.py) in one transaction, then expire the Checkout
sessions still open and cancel autopay's charges not made yet. The deletion's is a job queued
after the deletion commits, as billing's cancellation is (bbp/billing/closing.py), retried while
Stripe is down; it does nothing when the deletion was undone meanwhile. Reconnecting afterwards
creates a new account: the old one stays the agency's in Stripe, and stays mapped so its late
refunds and disputes still arrive.
"""

from __future__ import annotations

from typing import Any

from rq import Queue, Retry
from sqlalchemy import select, update

from bbp.audit.services import record
from bbp.extensions import db, redis_client
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import accounts, stopping
from bbp.merchant.models import ConnectedAccount, MerchantAccount
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound
from bbp.tenancy.jobs import DEFAULT_QUEUE, job_app
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

CONFIRM_WORD = "DISCONNECT"
RETRY_SECONDS = [60, 600, 3600, 6 * 3600, 12 * 3600]  # Stripe down: retried over a day
DELETED = "BailBondPro: agency deleted"


@atomic
def _release_current(actor: Any, why: str) -> MerchantAccount | None:
    account = accounts.current()
    if account is None:
        return None
    account = db.session.scalar(
        select(MerchantAccount).where(MerchantAccount.id == account.id).with_for_update()
    )
    if account.disconnected_at is not None:  # a concurrent disconnect got here first
        return None
    stopping.release(account, actor, why)
    return account


def disconnect(actor: Any, confirm: str | None) -> str:
    """The owner stops online payments: typed confirmation, then released and audited; open
    Checkout sessions are expired after the commit. Returns the account id."""
    if (confirm or "").strip().upper() != CONFIRM_WORD:
        raise DomainError(f"Type {CONFIRM_WORD} to confirm.", "confirm")
    released = _release_current(actor, "disconnected by the owner")
    if released is None:
        raise DomainError("The agency's Stripe account is not connected.", status=409)
    account_id = released.stripe_account_id
    stopping.expire_open_checkouts(account_id)
    stopping.cancel_autopay_charges(account_id)
    return account_id


def connected(tenant_id: int) -> bool:
    """Whether the agency takes payments through a connected account now (public map)."""
    return (
        db.session.scalar(
            select(ConnectedAccount.id).where(
                ConnectedAccount.tenant_id == tenant_id, ConnectedAccount.released_at.is_(None)
            )
        )
        is not None
    )


@atomic
def _release_map(tenant_id: int) -> None:
    db.session.execute(
        update(ConnectedAccount)
        .where(ConnectedAccount.tenant_id == tenant_id, ConnectedAccount.released_at.is_(None))
        .values(released_at=utcnow())
    )


def disconnect_later(tenant_id: int) -> None:
    """After an agency's deletion commits: have a worker disconnect its Stripe account."""
    Queue(DEFAULT_QUEUE, connection=redis_client()).enqueue(
        disconnect_job,
        tenant_id,
        description=f"disconnect the Stripe account of agency {tenant_id}",
        retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS),
    )


def disconnect_job(tenant_id: int) -> str:
    """Worker job: `disconnect_deleted`."""
    with job_app().app_context():
        try:
            return disconnect_deleted(tenant_id)
        finally:
            db.session.remove()


def disconnect_deleted(tenant_id: int) -> str:
    """Disconnect a deleting agency's account (inside its schema, which stays until the purge);
    nothing when the deletion was undone or nothing is connected."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status not in ("deleting", "purged"):
        return "deletion undone"
    if not connected(tenant_id):
        db.session.rollback()
        return "nothing connected"
    if tenant.status == "purged":  # its schema is gone: only the map is left to release
        _release_map(tenant_id)
        return "released"
    info = tenant_by_slug(tenant.slug)
    db.session.close()
    with bound(info, db.session):
        released = _release_current(DELETED, "agency deleted")
        if released is None:
            return "nothing connected"
        account_id = released.stripe_account_id
        stopping.expire_open_checkouts(account_id)
        stopping.cancel_autopay_charges(account_id)
    _platform_entry(tenant_id, account_id)
    return "disconnected"


@atomic
def _platform_entry(tenant_id: int, account_id: str) -> None:
    """The console's log says the deletion disconnected the agency's Stripe account too."""
    tenant = db.session.get(Tenant, tenant_id)
    after = {"stripe_account": account_id, "reason": "agency deleted"}
    record("merchant.disconnected", tenant, after=after, actor=DELETED, model=PlatformAuditEntry)
