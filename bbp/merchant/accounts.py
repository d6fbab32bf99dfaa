"""The agency's Stripe account: connecting it, its onboarding, and what Stripe says of it.

Connecting creates a connected account through the SDK with full access to its own Stripe
Dashboard (the agency is the merchant: it pays Stripe's fees, carries refunds and disputes and
answers Stripe's requirements), maps it to the agency in `public.connected_accounts` (ids only)
and keeps its state in the agency's `merchant_accounts`. The state is only ever read from Stripe
(on the return from onboarding and on `account.updated`), never taken from a redirect or an
event's snapshot, so events may come in any order (docs/payments-connect.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.accounts import agency_of
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.merchant import stopping
from bbp.merchant.models import ConnectedAccount, MerchantAccount
from bbp.tenancy import require_tenant

# The agency is the merchant: its own Dashboard, fees, losses and Stripe's requirements.
CONTROLLER = {
    "stripe_dashboard": {"type": "full"},
    "fees": {"payer": "account"},
    "losses": {"payments": "stripe"},
    "requirement_collection": "stripe",
}
COUNTRY = "US"
CONNECT_LOCK = 0x6D_63  # pg_advisory_xact_lock(CONNECT_LOCK, tenant id): one connect at a time
STRIPE = "Stripe"  # the audit log's actor for what Stripe reported
STATE = ("charges_enabled", "payouts_enabled", "details_submitted", "disabled_reason")
DUE = ("currently_due", "past_due", "eventually_due")


def current() -> MerchantAccount | None:
    """The account the agency takes payments through now, or None (never, or disconnected)."""
    return db.session.scalar(
        select(MerchantAccount)
        .where(MerchantAccount.disconnected_at.is_(None))
        .order_by(MerchantAccount.id.desc())
        .limit(1)
    )


def payable() -> MerchantAccount | None:
    """The account, if Stripe lets it take charges now (Checkout and autopay need this)."""
    account = current()
    return account if account is not None and account.charges_enabled else None


def stripe_failed(exc: stripe.StripeError) -> DomainError:
    """A Stripe error as the owner's message: nothing changed, and whether to try again."""
    if isinstance(exc, stripe.APIConnectionError):
        return DomainError("Stripe could not be reached; nothing changed. Try again.", status=503)
    message = getattr(exc, "user_message", None) or "no reason given"
    return DomainError(f"Stripe did not accept the request: {message}", status=502)


def _connections(tenant_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ConnectedAccount)
        .where(ConnectedAccount.tenant_id == tenant_id)
    )


@atomic
def connect(actor: Any) -> MerchantAccount:
    """Create the agency's connected account and map it, or return the one it has; a retry of
    the same connection (its number in the agency's history) gets Stripe's same account back."""
    tenant = require_tenant()
    db.session.execute(select(func.pg_advisory_xact_lock(CONNECT_LOCK, tenant.id)))
    existing = current()
    if existing is not None:
        return existing
    number = _connections(tenant.id) + 1
    key = agency_of(tenant.id).idempotency_key(f"connect-account-{number}")
    try:
        created = stripe_api.client().v1.accounts.create(
            params={
                "country": COUNTRY,
                "controller": CONTROLLER,
                "metadata": {"bbp_tenant_id": str(tenant.id), "bbp_connection": str(number)},
            },
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise stripe_failed(exc) from None
    db.session.add(
        ConnectedAccount(
            stripe_account_id=created.id, tenant_id=tenant.id, livemode=bool(created.livemode)
        )
    )
    account = MerchantAccount(
        stripe_account_id=created.id, connected_by_id=getattr(actor, "id", None)
    )
    _copy(account, created)
    db.session.add(account)
    db.session.flush()
    record("merchant.connected", account, after={"stripe_account": created.id}, actor=actor)
    return account


def onboarding_url(return_url: str, refresh_url: str) -> str:
    """A fresh Stripe-hosted onboarding link for the agency's account (links work once and
    expire within minutes, so each visit asks for a new one)."""
    account = current()
    if account is None:
        raise DomainError("Connect the agency's Stripe account first.", status=409)
    try:
        link = stripe_api.client().v1.account_links.create(
            params={
                "account": account.stripe_account_id,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            },
            # One key per request: the SDK's own retries of it reuse it.
            options={"idempotency_key": f"bbp-account-link-{uuid.uuid4().hex}"},
        )
    except stripe.StripeError as exc:
        raise stripe_failed(exc) from None
    return link.url


@atomic
def refresh() -> MerchantAccount | None:
    """Read the agency's account from Stripe again (the return from onboarding says nothing
    by itself); None when it is not connected or Stripe no longer lets the platform see it."""
    account = _locked(current_id())
    if account is None:
        return None
    return sync(account, actor=None)


def current_id() -> str | None:
    account = current()
    return account.stripe_account_id if account is not None else None


def _locked(stripe_account_id: str | None) -> MerchantAccount | None:
    if stripe_account_id is None:
        return None
    return db.session.scalar(
        select(MerchantAccount)
        .where(MerchantAccount.stripe_account_id == stripe_account_id)
        .with_for_update()
    )


def sync(account: MerchantAccount, actor: Any = STRIPE) -> MerchantAccount | None:
    """Copy Stripe's account as it is now into the row; audited when something changed. An
    account the platform lost (the agency disconnected it in Stripe) is released."""
    try:
        found = stripe_api.client().v1.accounts.retrieve(account.stripe_account_id)
    except (stripe.PermissionError, stripe.AuthenticationError):
        stopping.release(account, STRIPE, "disconnected in the agency's Stripe Dashboard")
        return None
    before = _state(account)
    _copy(account, found)
    after = _state(account)
    if after != before:
        record("merchant.account_updated", account, before=before, after=after, actor=actor)
    return account


def _state(account: MerchantAccount) -> dict:
    return {
        **{name: getattr(account, name) for name in STATE},
        **{name: list(getattr(account, name) or []) for name in DUE},
        "current_deadline": account.current_deadline.isoformat()
        if account.current_deadline
        else None,
    }


def _copy(account: MerchantAccount, found) -> None:
    """Stripe's Account fields into the row."""
    found = found.to_dict()
    due = found.get("requirements") or {}
    account.charges_enabled = bool(found.get("charges_enabled"))
    account.payouts_enabled = bool(found.get("payouts_enabled"))
    account.details_submitted = bool(found.get("details_submitted"))
    for name in DUE:
        setattr(account, name, list(due.get(name) or []))
    account.disabled_reason = due.get("disabled_reason")
    account.current_deadline = moment(due.get("current_deadline"))
    account.synced_at = utcnow()


# Connect events (bbp/merchant/events.py) ---------------------------------------------------
def account_updated(event: stripe.Event, account: str) -> None:
    """Stripe changed the account: read it as it is now (never the event's snapshot)."""
    row = _locked(account)
    if row is not None and row.disconnected_at is None:
        sync(row)


def deauthorized(event: stripe.Event, account: str) -> None:
    """The agency disconnected the platform in its own Dashboard: online payments stop."""
    row = _locked(account)
    if row is not None and row.disconnected_at is None:
        stopping.release(row, STRIPE, "disconnected in the agency's Stripe Dashboard")


HANDLES: dict = {
    "account.updated": account_updated,
    "account.application.deauthorized": deauthorized,
}
