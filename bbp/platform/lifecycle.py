"""An agency's lifecycle, from the console and `flask tenants`: suspend, reactivate, delete with a
30-day grace and undo, legal hold. Each change needs a reason and is audited in the platform log.

States and what runs in each: docs/platform-lifecycle.md. The purge itself: bbp/platform/purge.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bbp.audit.services import record
from bbp.billing import accounts, closing
from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import disconnecting
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import ProvisioningError, set_status
from bbp.tenancy.models import WORKING_STATUSES, Tenant
from bbp.tenancy.resolver import forget_tenants

GRACE = timedelta(days=30)  # a deletion can be undone until the purge date
REASON_MAX = 500
STATUS_LABELS = {
    "active": "Active",
    "suspended": "Suspended",
    "deleting": "Pending deletion",
    "purged": "Purged",
    "restored": "Restored, not yet activated",
}


def find(tenant_id: int) -> Tenant:
    """The agency's row, or a 404 refusal."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    return tenant


def find_by_slug(slug: str) -> Tenant:
    """The agency with this subdomain, or a refusal naming it (the CLI names agencies so)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise DomainError(f"No agency has the subdomain '{slug}'.", status=404)
    return tenant


def _locked(tenant_id: int) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    return tenant


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason: it is kept in the platform audit log.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def _who(actor: Any) -> str:
    return getattr(actor, "email", None) or str(actor)


def suspend(tenant_id: int, reason: str | None, actor: Any = "cli") -> None:
    """Shut the agency's staff out; its defendants' reminders, check-ins and portal go on."""
    reason = _reason(reason)
    tenant = find(tenant_id)
    if tenant.status != "active":
        raise DomainError(f"Only an active agency can be suspended; this one is {tenant.status}.")
    _set_status(tenant.slug, "suspended", reason, actor)


def reactivate(tenant_id: int, reason: str | None, actor: Any = "cli") -> None:
    """Let a suspended agency's staff back in, or open a restored one."""
    reason = _reason(reason)
    tenant = find(tenant_id)
    if tenant.status not in ("suspended", "restored"):
        raise DomainError(f"Only a suspended agency can be reactivated; it is {tenant.status}.")
    _set_status(tenant.slug, "active", reason, actor)


def _set_status(slug: str, status: str, reason: str, actor: Any) -> None:
    db.session.rollback()  # set_status locks and commits in a unit of its own
    try:
        set_status(slug, status, reason, actor=actor)
    except ProvisioningError as exc:
        raise DomainError(str(exc)) from None


def schedule_deletion(tenant_id: int, reason: str | None, confirm: str | None, actor: Any = "cli"):
    """Close the agency now and purge it after the grace, unless undone or under legal hold."""
    with atomic:
        tenant = _locked(tenant_id)
        if (confirm or "").strip() != tenant.slug:
            raise DomainError(f"Type the subdomain, {tenant.slug}, to confirm.", field="confirm")
        reason = _reason(reason)
        if tenant.status not in (*WORKING_STATUSES, "restored"):
            raise DomainError(f"The agency is already {STATUS_LABELS[tenant.status].lower()}.")
        now, before = utcnow(), {"status": tenant.status}
        tenant.status_before_deletion, tenant.status = tenant.status, "deleting"
        tenant.deletion_requested_at, tenant.deletion_requested_by = now, _who(actor)
        tenant.deletion_reason, tenant.purge_after = reason, now + GRACE
        wakeups.forget(tenant.id)  # its reminders and check-ins stop with its pages
        record(
            "tenant.deletion_scheduled",
            tenant,
            before=before,
            after={
                "status": "deleting",
                "reason": reason,
                "purge_after": tenant.purge_after.isoformat(),
            },
            actor=actor,
            model=PlatformAuditEntry,
        )
    forget_tenants()
    if accounts.account_of(tenant_id) is not None:
        closing.close_later(tenant_id)  # cancels at period end (docs/billing.md, "The console")
    if disconnecting.connected(tenant_id):
        disconnecting.disconnect_later(tenant_id)  # online payments stop with the agency
    db.session.rollback()


def undo_deletion(tenant_id: int, reason: str | None, actor: Any = "cli") -> None:
    """Give a deleting agency back the status it had, before its purge date."""
    with atomic:
        tenant = _locked(tenant_id)
        reason = _reason(reason)
        if tenant.status != "deleting":
            raise DomainError("Only an agency pending deletion can be restored.")
        before = {"status": "deleting", "purge_after": tenant.purge_after.isoformat()}
        tenant.status, tenant.status_before_deletion = tenant.status_before_deletion, None
        tenant.purge_after = tenant.deletion_requested_at = None
        tenant.deletion_requested_by = tenant.deletion_reason = None
        wakeups.enrol(tenant.id)  # what came due meanwhile runs at the next tick
        record(
            "tenant.deletion_undone",
            tenant,
            before=before,
            after={"status": tenant.status, "reason": reason},
            actor=actor,
            model=PlatformAuditEntry,
        )
    forget_tenants()
    if accounts.account_of(tenant_id) is not None:
        closing.reopen_later(tenant_id)  # the cancellation is switched off if it still runs
    db.session.rollback()


@atomic
def set_legal_hold(tenant_id: int, reason: str | None, actor: Any = "cli") -> None:
    """Keep every record of the agency: a held agency is never purged, whatever its status."""
    tenant = _locked(tenant_id)
    reason = _reason(reason)
    if tenant.status == "purged":
        raise DomainError("The agency was already purged; there is nothing left to hold.")
    if tenant.legal_hold:
        raise DomainError("The agency is already under legal hold.")
    tenant.legal_hold, tenant.legal_hold_reason = True, reason
    tenant.legal_hold_set_at, tenant.legal_hold_set_by = utcnow(), _who(actor)
    record(
        "tenant.legal_hold_set",
        tenant,
        before={"legal_hold": False},
        after={"legal_hold": True, "reason": reason},
        actor=actor,
        model=PlatformAuditEntry,
    )


@atomic
def release_legal_hold(tenant_id: int, reason: str | None, actor: Any = "cli") -> None:
    """Lift the hold; a deleting agency past its purge date is purged at the next daily run."""
    tenant = _locked(tenant_id)
    reason = _reason(reason)
    if not tenant.legal_hold:
        raise DomainError("The agency is not under legal hold.")
    before = {"legal_hold": True, "reason": tenant.legal_hold_reason}
    tenant.legal_hold, tenant.legal_hold_reason = False, None
    tenant.legal_hold_set_at = tenant.legal_hold_set_by = None
    record(
        "tenant.legal_hold_released",
        tenant,
        before=before,
        after={"legal_hold": False, "reason": reason},
        actor=actor,
        model=PlatformAuditEntry,
    )
