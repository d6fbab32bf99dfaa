"""Support access: ask, answer, end, hand over and audit; every step in both audit logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.extensions import db, redis_client
from bbp.kernel import mail
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.keys import tenant_key
from bbp.kernel.links import Refusals, SignedLinks, check_mark, nonce, tenant_url
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.platform.support import emails
from bbp.platform.support.models import ANSWER_WITHIN, LONGEST, SupportGrant, SupportPolicy
from bbp.tenancy import TenantInfo, bound, require_tenant
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

ASKERS = ("superadmin", "support")  # finance reads figures and never enters an agency
SHORTEST, LONGEST_MINUTES = 5, int(LONGEST.total_seconds() // 60)
LINK_LIFETIME = timedelta(minutes=2)  # the hand-over link: opened at once from the console
ENTRY = SignedLinks("support-entry")
ENTRY_REFUSALS = Refusals(
    expired="This support link has expired. Open the agency again from the console.",
    used="This support link was already used. Open the agency again from the console.",
)
# Path parameters that name a record the agency's audit log can put in words.
SUBJECTS = {"bond_id": "bond", "defendant_id": "defendant", "indemnitor_id": "indemnitor"}


def admin_label(admin: PlatformAdmin) -> str:
    """How the agency's audit log names a support admin."""
    return f"Support: {admin.name or admin.email}"


def _who(grant: SupportGrant) -> dict:
    return {"grant": grant.id, "admin": grant.admin.name or grant.admin.email}


def platform_entry(action: str, grant: SupportGrant, actor, fields: dict) -> None:
    """The platform audit entry of a step: the grant and the agency by id, never its people."""
    entry = record(action, after=_who(grant) | fields, actor=actor, model=PlatformAuditEntry)
    entry.target_type, entry.target_id = "tenant", str(grant.tenant_id)


def agency_entry(action: str, grant: SupportGrant, actor, fields: dict) -> None:
    """The agency's audit entry of a step (the bound agency's log)."""
    record(action, after=_who(grant) | fields, actor=actor)


@contextmanager
def in_agency(info: TenantInfo, admin: PlatformAdmin) -> Iterator[None]:
    """Work from the console on one agency's log too: end the unbound transaction, bind, and
    give the signed-in admin back to the next unbound session."""
    db.session.commit()
    try:
        with bound(info, db.session):
            yield
    finally:
        db.session.add(admin)  # expired, so it reloads (unbound) if the page reads it


def _agency_info(tenant_id: int) -> TenantInfo:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    if tenant.status != "active":
        raise DomainError("This agency is suspended: support access is closed.", field="agency")
    return tenant_by_slug(tenant.slug)


def check_request(admin: PlatformAdmin, reason: str, minutes: int | None) -> str:
    """The reason, trimmed, once the request is allowed and well formed."""
    if admin.role not in ASKERS:
        raise DomainError("Only support admins and superadmins may ask for access.", status=403)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError("Say why you need access (10 characters or more).", field="reason")
    if minutes is None or not SHORTEST <= minutes <= LONGEST_MINUTES:
        raise DomainError(
            f"Ask for {SHORTEST} to {LONGEST_MINUTES} minutes.", field="minutes", status=422
        )
    return reason


def ask(admin: PlatformAdmin, tenant_id: int, reason: str, minutes: int | None) -> SupportGrant:
    """Ask one agency's owner for access; granted at once when the agency allows it."""
    reason = check_request(admin, reason, minutes)
    info = _agency_info(tenant_id)
    with in_agency(info, admin):
        grant = SupportGrant(
            tenant_id=info.id, admin=admin, reason=reason, minutes=minutes, requested_at=utcnow()
        )
        db.session.add(grant)
        db.session.flush()
        agency_entry(
            "support.requested", grant, admin_label(admin), {"reason": reason, "minutes": minutes}
        )
        platform_entry("support.requested", grant, admin, {"minutes": minutes})
        policy = db.session.get(SupportPolicy, info.id)
        if policy is not None and policy.without_approval:
            _approve(grant, auto=True)
        owners = list(
            db.session.scalars(select(User.email).where(User.role == "owner", User.active))
        )
        db.session.commit()
        if grant.waiting:
            redis_client().set(waiting_key(), 1, ex=int(ANSWER_WITHIN.total_seconds()))
        for email in owners:
            mail.send(email, *emails.to_owner(info, grant, admin))
    return grant


def waiting_key() -> str:
    """Set while the bound agency may have a request to answer: its owner's pages ask the
    database only then (cleared by the first page that finds none)."""
    return tenant_key("support", "waiting")


def _approve(grant: SupportGrant, auto: bool) -> None:
    now = utcnow()
    grant.status, grant.decided_at, grant.auto_approved = "approved", now, auto
    grant.expires_at = now + min(timedelta(minutes=grant.minutes), LONGEST)
    action = "support.auto_approved" if auto else "support.approved"
    actor = "system" if auto else None
    agency_entry(action, grant, actor, {"expires_at": grant.expires_at.isoformat()})
    platform_entry(action, grant, "system" if auto else _owner_label(), {"minutes": grant.minutes})


def _owner_label() -> str:
    return f"owner of {require_tenant().slug}"


def _grant_here(grant_id: int) -> SupportGrant:
    """A grant of the bound agency, row-locked; another agency's is not found."""
    grant = db.session.scalar(
        select(SupportGrant)
        .where(SupportGrant.id == grant_id, SupportGrant.tenant_id == require_tenant().id)
        .with_for_update(of=SupportGrant)
    )
    if grant is None:
        raise DomainError("There is no such support request.", status=404)
    return grant


@atomic
def approve(grant_id: int) -> SupportGrant:
    """The owner lets the admin in, from now for the minutes asked (an hour at most)."""
    grant = _grant_here(grant_id)
    if not grant.waiting:
        raise DomainError(f"This request is no longer waiting ({grant.state_label.lower()}).")
    _approve(grant, auto=False)
    return grant


@atomic
def deny(grant_id: int) -> SupportGrant:
    """The owner refuses the request."""
    grant = _grant_here(grant_id)
    if not grant.waiting:
        raise DomainError(f"This request is no longer waiting ({grant.state_label.lower()}).")
    grant.status, grant.decided_at = "denied", utcnow()
    agency_entry("support.denied", grant, None, {})
    platform_entry("support.denied", grant, _owner_label(), {})
    return grant


def _end(grant: SupportGrant, by: str, agency_actor, platform_actor) -> None:
    if grant.waiting and by == "admin":
        grant.status = "withdrawn"
    elif grant.active:
        grant.status = "ended"
    else:
        raise DomainError(f"This support access is not open ({grant.state_label.lower()}).")
    grant.ended_at, grant.ended_by = utcnow(), by
    grant.session_version += 1  # the support session's next request is signed out
    grant.link_nonce = None
    agency_entry(f"support.{grant.status}", grant, agency_actor, {})
    platform_entry(f"support.{grant.status}", grant, platform_actor, {})


@atomic
def end_by_owner(grant_id: int) -> SupportGrant:
    """The owner ends access early."""
    grant = _grant_here(grant_id)
    _end(grant, "owner", None, _owner_label())
    return grant


@atomic
def end_by_visitor(grant_id: int) -> SupportGrant:
    """The admin ends access from the banner, inside the agency's workspace."""
    grant = _grant_here(grant_id)
    _end(grant, "admin", admin_label(grant.admin), grant.admin)
    return grant


def _own_grant(admin: PlatformAdmin, grant_id: int) -> SupportGrant:
    grant = db.session.scalar(
        select(SupportGrant).where(SupportGrant.id == grant_id).with_for_update(of=SupportGrant)
    )
    if grant is None or grant.admin_id != admin.id:
        raise DomainError("There is no such support request of yours.", status=404)
    return grant


def end_by_admin(admin: PlatformAdmin, grant_id: int) -> None:
    """The admin withdraws a request or ends access from the console."""
    grant = _own_grant(admin, grant_id)
    info = tenant_by_slug(db.session.get(Tenant, grant.tenant_id).slug)
    with in_agency(info, admin):
        grant = _grant_here(grant_id)
        _end(grant, "admin", admin_label(admin), admin)
        db.session.commit()


@atomic
def entry_link(admin: PlatformAdmin, grant_id: int) -> tuple[str, SupportGrant]:
    """A single-use link, good for two minutes, that signs the admin into the agency's host."""
    grant = _own_grant(admin, grant_id)
    if not grant.active:
        raise DomainError(f"This support access is not open ({grant.state_label.lower()}).")
    grant.link_nonce = nonce()
    platform_entry("support.link_issued", grant, admin, {})
    info = tenant_by_slug(db.session.get(Tenant, grant.tenant_id).slug)
    token = ENTRY.make({"g": grant.id, "n": grant.link_nonce}, tenant=info)
    return tenant_url(info, url_for("support.enter", token=token)), grant


def read_entry(token: str) -> SupportGrant:
    """The open grant a hand-over link names (the link stays unspent)."""
    data = ENTRY.read(token, ENTRY_REFUSALS, max_age=LINK_LIFETIME)
    grant_id = data.get("g")
    grant = _grant_here(grant_id) if isinstance(grant_id, int) else None
    if grant is None:
        raise ENTRY_REFUSALS.refuse("broken")
    check_mark(data.get("n"), grant.link_nonce, ENTRY_REFUSALS)
    if not grant.active:
        raise ENTRY_REFUSALS.refuse("used")
    return grant


@atomic
def enter(token: str) -> SupportGrant:
    """Spend a hand-over link: the grant's newest support session starts."""
    grant = read_entry(token)  # row-locked: of two uses at once, the second finds it spent
    grant.link_nonce, grant.session_version = None, grant.session_version + 1
    agency_entry("support.entered", grant, admin_label(grant.admin), {})
    platform_entry("support.entered", grant, grant.admin, {})
    return grant


@atomic
def record_visit(grant_id: int, method: str, path: str, view_args: dict, refused: bool) -> None:
    """Write a page the support session opened (or was refused) to both audit logs."""
    grant = db.session.get(SupportGrant, grant_id)
    page = f"{method} {path}" if method not in ("GET", "HEAD") else path
    if refused:
        agency_entry("support.refused", grant, admin_label(grant.admin), {"page": page})
        platform_entry("support.refused", grant, grant.admin, {"page": page})
        return
    subject = next(((SUBJECTS[k], v) for k, v in view_args.items() if k in SUBJECTS), None)
    action = "support.viewed" if subject else "support.viewed_page"
    entry = record(action, after={"page": page}, actor=admin_label(grant.admin))
    if subject:
        entry.target_type, entry.target_id = subject[0], str(subject[1])
    platform_entry(action, grant, grant.admin, {"page": path.split("?", 1)[0]})


@atomic
def set_policy(without_approval: bool) -> None:
    """The owner's choice: support gets in at once, or only after the owner approves."""
    tenant = require_tenant()
    policy = db.session.get(SupportPolicy, tenant.id, with_for_update=True)
    before = bool(policy and policy.without_approval)
    if policy is None:
        policy = SupportPolicy(tenant_id=tenant.id)
        db.session.add(policy)
    policy.without_approval, policy.changed_at = without_approval, utcnow()
    was = {"support_without_approval": before}
    now = {"support_without_approval": without_approval}
    record("settings.support_access_changed", before=was, after=now)
    entry = record(
        "settings.support_access_changed",
        before=was,
        after=now,
        actor=_owner_label(),
        model=PlatformAuditEntry,
    )
    entry.target_type, entry.target_id = "tenant", str(tenant.id)
