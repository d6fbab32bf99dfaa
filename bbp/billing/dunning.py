"""Dunning: an agency's payment standing as a state machine, apart from its lifecycle status.

active -> past_due (a payment failed) -> read_only (still unpaid after DUNNING_GRACE_DAYS)
-> billing_suspended (after DUNNING_SUSPEND_DAYS more); a payment returns any state to active at
once. `tenants.status` (a platform admin's suspension) is never read or written here, so a
payment cannot lift a suspension set by hand. Each transition is in the platform audit log with
its app-clock date; docs/billing-dunning.md says what each state refuses.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import CheckConstraint, ForeignKey, String, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from bbp.audit.services import record
from bbp.billing import notices
from bbp.extensions import db, redis_client
from bbp.kernel import changes
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.keys import platform_key
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

STATES = ("active", "past_due", "read_only", "billing_suspended")
STATE_LABELS = {
    "active": "Paid up",
    "past_due": "Past due",
    "read_only": "Read-only (unpaid)",
    "billing_suspended": "Suspended for non-payment",
}
CACHE_SECONDS = 300  # a lost cache write heals within five minutes; transitions rewrite it


class Dunning(db.Model):
    """One agency's payment standing; no row means active (never failed a payment)."""

    __tablename__ = "dunning"
    __table_args__ = (
        CheckConstraint(
            "state IN ('active', 'past_due', 'read_only', 'billing_suspended')", name="state"
        ),
        {"schema": "public"},
    )

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20), default="active", index=True)
    past_due_since: Mapped[datetime | None]
    read_only_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def grace() -> timedelta:
    return timedelta(days=current_app.config["DUNNING_GRACE_DAYS"])


def suspend_after() -> timedelta:
    return timedelta(days=current_app.config["DUNNING_SUSPEND_DAYS"])


def _cache_key(tenant_id: int) -> str:
    return platform_key("dunning", tenant_id)


def state_of(tenant_id: int) -> str:
    """The agency's dunning state for a request: from Redis, else one query (then cached)."""
    with contextlib.suppress(RedisError):
        held = redis_client().get(_cache_key(tenant_id))
        if held:
            return held.decode() if isinstance(held, bytes) else held
    row = db.session.get(Dunning, tenant_id)
    state = row.state if row else "active"
    _remember(tenant_id, state)
    return state


def _remember(tenant_id: int, state: str) -> None:
    with contextlib.suppress(RedisError):
        redis_client().set(_cache_key(tenant_id), state, ex=CACHE_SECONDS)


def forget(tenant_id: int) -> None:
    """Drop the cached state (a transaction that cached it rolled back); the next read queries."""
    with contextlib.suppress(RedisError):
        redis_client().delete(_cache_key(tenant_id))


def _settled(tenant_id: int, state: str, changed: bool) -> None:
    """After a commit: cache the state and, when it moved, let the agency's held pages go stale
    (they show the banner)."""
    _remember(tenant_id, state)
    tenant = db.session.get(Tenant, tenant_id) if changed else None
    info = tenant_by_slug(tenant.slug) if tenant else None
    if info is not None:
        with bound(info):
            changes.bump()


def find(tenant_id: int) -> Dunning | None:
    """The agency's dunning row (None: it never missed a payment)."""
    return db.session.get(Dunning, tenant_id)


def _locked(tenant_id: int, now: datetime) -> Dunning:
    """The agency's row, created active if missing, locked for this transaction."""
    if db.session.get(Tenant, tenant_id) is None:
        raise DomainError("There is no such agency.", status=404)
    db.session.execute(
        insert(Dunning)
        .values(tenant_id=tenant_id, state="active", updated_at=now)
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )
    # populate_existing: a row read earlier in this session (unlocked) is read again, locked.
    return db.session.scalar(
        select(Dunning)
        .where(Dunning.tenant_id == tenant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _move(row: Dunning, state: str, at: datetime, why: str, actor: Any) -> None:
    before = row.state
    row.state, row.updated_at = state, utcnow()
    tenant = db.session.get(Tenant, row.tenant_id)
    record(
        f"dunning.{state}",
        tenant,
        before={"state": before},
        after={"state": state, "at": at.isoformat(), "why": why},
        actor=actor or "billing",
        model=PlatformAuditEntry,
    )


def payment_failed(tenant_id: int, at: datetime | None = None, actor: Any = None) -> str:
    """A payment failed: an active agency becomes past due (a repeat changes nothing)."""
    at = at or utcnow()
    link = notices.open_invoice_url(tenant_id)
    with atomic:
        row = _locked(tenant_id, at)
        started = row.state == "active"
        if started:
            row.past_due_since, row.read_only_at, row.suspended_at = at, None, None
            _move(row, "past_due", at, "payment failed", actor)
        before = "active" if started else row.state
        _advance(row, utcnow(), actor)
        state = row.state
        if started or state != before:
            _tell_owners(row, link)
    _settled(tenant_id, state, changed=started or state != before)
    return state


def payment_succeeded(tenant_id: int, at: datetime | None = None, actor: Any = None) -> str:
    """A payment went through: back to active at once, from any dunning state (unless it is
    dated before the failure that started this episode)."""
    at = at or utcnow()
    with atomic:
        row = _locked(tenant_id, at)
        # A payment dated before the failure (a webhook delivered late) settles an older bill.
        stale = row.past_due_since is not None and at < row.past_due_since
        changed = row.state != "active" and not stale
        if changed:
            notices.recovered(tenant_id, row.past_due_since or at)
            _move(row, "active", at, "payment received", actor)
            row.past_due_since = row.read_only_at = row.suspended_at = None
        state = row.state
    _settled(tenant_id, state, changed)
    return state


def _tell_owners(row: Dunning, link: str | None) -> None:
    """With the move: owe the owners an email of the state the agency is now in, with its next
    date and where to pay (`link`, fetched before the lock); sent once the move commits."""
    if row.state == "past_due":
        notices.past_due(row.tenant_id, row.past_due_since, row.past_due_since + grace(), link)
    elif row.state == "read_only":
        read_only_on = row.read_only_at + suspend_after()
        notices.read_only(row.tenant_id, row.read_only_at, read_only_on, link)
    elif row.state == "billing_suspended":
        notices.suspended(row.tenant_id, row.suspended_at, link)


def _moves(row: Dunning | None, now: datetime) -> bool:
    """Whether `_advance` would move the row on at `now` (read before locking it)."""
    if row is None:
        return False
    if row.state == "past_due":
        return now >= row.past_due_since + grace()
    return row.state == "read_only" and now >= row.read_only_at + suspend_after()


def _advance(row: Dunning, now: datetime, actor: Any = None) -> None:
    """Move a past-due agency on by its deadlines (dates are the deadlines, not the run)."""
    if row.state == "past_due" and now >= row.past_due_since + grace():
        row.read_only_at = row.past_due_since + grace()
        _move(row, "read_only", row.read_only_at, f"unpaid {grace().days} days", actor)
    if row.state == "read_only" and now >= row.read_only_at + suspend_after():
        row.suspended_at = row.read_only_at + suspend_after()
        _move(row, "billing_suspended", row.suspended_at, "still unpaid", actor)


def advance_due(now: datetime | None = None) -> dict[str, int]:
    """The daily platform task: move every past-due or read-only agency on by its dates."""
    now, moved = now or utcnow(), {"read_only": 0, "billing_suspended": 0}
    query = select(Dunning.tenant_id).where(Dunning.state.in_(("past_due", "read_only")))
    for tenant_id in list(db.session.scalars(query)):
        link = notices.open_invoice_url(tenant_id) if _moves(find(tenant_id), now) else None
        with atomic:
            row = _locked(tenant_id, now)
            before = row.state
            _advance(row, now)
            state = row.state
            if state != before:
                _tell_owners(row, link)
        _settled(tenant_id, state, changed=state != before)
        if state != before:
            moved[state] += 1
    return moved


def stripe_configured() -> bool:
    """Whether real payments drive dunning (else the console may simulate them)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def simulate(tenant_id: int, outcome: str, actor: Any) -> str:
    """A console test payment (only without a Stripe key): audited, then the real service."""
    record_simulation(tenant_id, outcome, actor)
    if outcome == "failure":
        return payment_failed(tenant_id, actor=actor)
    return payment_succeeded(tenant_id, actor=actor)


def record_simulation(tenant_id: int, outcome: str, actor: Any) -> None:
    """Audit a console test payment, refused while a Stripe key is configured."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    if stripe_configured():
        raise DomainError("Stripe is configured: payments come from Stripe, not the console.")
    with atomic:
        record(
            f"billing.simulated_{outcome}",
            tenant,
            after={"at": utcnow().isoformat()},
            actor=actor,
            model=PlatformAuditEntry,
        )


def in_state(state: str):
    """The condition on an outer-joined Dunning for one state (no row counts as active)."""
    if state == "active":
        return or_(Dunning.state.is_(None), Dunning.state == "active")
    return Dunning.state == state
