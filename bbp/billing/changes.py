"""An agency's subscription changes: another plan or price (with proration), cancel at period
end and its undo, and the customer portal. The owner's page and the console both call these;
each change is in the platform audit log and the agency's (docs/billing.md, "The owner's page").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.services import record
from bbp.billing import seats, stripe_api
from bbp.billing.accounts import offered_plan, row_version, subscribe_later
from bbp.billing.journal import agency_label
from bbp.billing.models import BillingAccount, Plan
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.ids import row_id
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound, current_tenant
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

PREVIEW_FRESH = timedelta(hours=1)  # a change confirmed later than this is previewed again
ENDED = ("canceled", "incomplete_expired")  # subscriptions Stripe changes no more


@dataclass(frozen=True)
class Actor:
    """Who made a change, as each log names them (the platform log never names agency staff)."""

    platform_label: str
    agency_label: str
    agency_user_id: int | None = None


def owner_actor(user) -> Actor:
    return Actor(f"agency owner (user {user.id})", user.email, user.id)


def admin_actor(admin) -> Actor:
    return Actor(admin.email, agency_label(admin))


@dataclass(frozen=True)
class Change:
    """A previewed change: the plans, the next invoice with its prorations, the moment used."""

    current: Plan
    target: Plan
    proration_date: int
    prorations: list
    amount_due: int
    next_invoice_at: datetime | None
    token: str  # the signed agency, plan and second the confirm must send back


def subscribed(tenant_id: int, lock: bool = False) -> BillingAccount:
    """The agency's billing row with its Stripe subscription, or a refusal; locked for a change,
    so two changes at once reach Stripe one after the other and the row ends as Stripe does."""
    query = select(BillingAccount).where(BillingAccount.tenant_id == tenant_id)
    if lock:  # the row only: its plan is joined in, and Postgres locks no outer join's side
        query = query.with_for_update(of=BillingAccount).execution_options(populate_existing=True)
    account = db.session.scalars(query).first()
    if account is None or account.stripe_subscription_id is None:
        raise DomainError("This agency has no subscription to change yet.", status=404)
    if account.subscription_status in ENDED:
        raise DomainError("The subscription has ended: the agency needs a plan again.", status=409)
    return account


def plan_choices(account: BillingAccount) -> list[Plan]:
    """The plans an agency may move to: every offered plan, its own at its current price."""
    offered = db.session.scalars(
        select(Plan)
        .where(Plan.active, Plan.stripe_price_id.is_not(None))
        .order_by(Plan.monthly_price_cents, Plan.name)
    ).all()
    return [plan for plan in offered if plan.stripe_price_id != account.stripe_price_id]


def target_plan(account: BillingAccount, plan_id, seats_used: int) -> Plan:
    """The plan asked for, if the agency may move to it; refusals name the plan field."""
    found = row_id(plan_id)
    plan = db.session.get(Plan, found) if found else None
    if plan is None or plan not in plan_choices(account):
        raise DomainError("Choose one of the plans offered.", "plan_id")
    if seats_used > plan.included_seats:
        raise DomainError(
            f"{plan.name} includes {plan.included_seats} staff seats and {seats_used} are in "
            "use. Switch off staff accounts first, or choose a larger plan.",
            "plan_id",
        )
    return plan


def preview_change(tenant_id: int, plan_id) -> Change:
    """What moving the bound agency to a plan would cost: Stripe's preview with prorations."""
    account = subscribed(tenant_id)
    plan = target_plan(account, plan_id, seats.seats_in_use())
    at = int(utcnow().timestamp())
    client = stripe_api.client()
    try:
        invoice = client.v1.invoices.create_preview(
            params={
                "customer": account.stripe_customer_id,
                "subscription": account.stripe_subscription_id,
                "subscription_details": {
                    "items": _moved_items(account, plan),
                    "proration_date": at,
                    "proration_behavior": "create_prorations",
                },
            }
        )
    except stripe.StripeError as exc:
        raise _unavailable(exc) from None
    lines = [line for line in invoice.lines.data if _is_proration(line)]
    when = moment(invoice.next_payment_attempt) or moment(invoice.period_end)
    token = _previews().dumps({"agency": tenant_id, "plan": plan.id, "at": at})
    return Change(account.plan, plan, at, lines, invoice.amount_due, when, token)


def change_plan(tenant_id: int, plan_id, actor: Actor, *, source: str, proration_date=None):
    """Move the agency's subscription to a plan's current price, prorated from the moment the
    owner previewed (now when none is given, as from the console)."""
    info = _agency(tenant_id)
    with in_agency(info):
        account = subscribed(tenant_id, lock=True)
        plan = target_plan(account, plan_id, seats.seats_in_use())
        at = _proration_moment(proration_date, tenant_id, plan.id)
        before = _snapshot(account)
        sub_id, price = account.stripe_subscription_id, plan.stripe_price_id
        try:
            sub = stripe_api.client().v1.subscriptions.update(
                sub_id,
                params={
                    "items": _moved_items(account, plan),
                    "proration_behavior": "create_prorations",
                    "proration_date": at,
                },
                # One key per confirmed change: from this price to that one, prorated from the
                # previewed second (a retried confirm gets the same update back).
                options={"idempotency_key": _change_key(tenant_id, sub_id, account, price, at)},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        if stripe_api.licensed_item(sub).price.id != price:  # never record what Stripe did not do
            raise DomainError(
                "Stripe did not make the change: review it and try again.", status=409
            )
        account.plan_id, account.stripe_price_id = plan.id, price
        licensed, metered = stripe_api.licensed_item(sub), stripe_api.metered_item(sub)
        account.price_cents = licensed.price.unit_amount  # what MRR counts
        account.stripe_overage_price_id = metered.price.id if metered else None
        _copy(account, sub)
        after = _snapshot(account) | {"source": source}
        _audit("billing.plan_changed", info, before, after, actor)
        db.session.commit()


@dataclass(frozen=True)
class Started:
    """The plan an agency started on, read before the agency's binding closed the session."""

    name: str
    trial_days: int


def start_plan(tenant_id: int, plan_id, actor: Actor) -> Started:
    """Put an agency that has no plan on one; its trial starts when the job opens the
    subscription, after the commit."""
    info = _agency(tenant_id)
    with in_agency(info):
        plan = offered_plan(plan_id)
        in_use = seats.seats_in_use()
        if in_use > plan.included_seats:
            raise DomainError(
                f"{plan.name} includes {plan.included_seats} staff seats and your agency uses "
                f"{in_use}: choose a larger plan.",
                "plan_id",
            )
        opened = db.session.scalar(
            insert(BillingAccount)
            .values(tenant_id=tenant_id, plan_id=plan.id, cancel_at_period_end=False)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
            .returning(BillingAccount.tenant_id)
        )
        returning = opened is None and _restart(tenant_id, plan)
        if opened is None and not returning:  # on a plan already (perhaps from another tab)
            raise DomainError("The agency is already on a plan.", "plan_id", status=409)
        trial_days = 0 if returning else plan.trial_days  # one trial per agency
        started = Started(plan.name, trial_days)
        after = {"plan": plan.name, "trial_days": trial_days}
        _audit("billing.plan_chosen", info, {}, after, actor)
        db.session.commit()
    subscribe_later(tenant_id)
    return started


def _restart(tenant_id: int, plan: Plan) -> bool:
    """Ready an agency whose subscription ended for a new one on `plan` (the job opens it, with
    no trial: one per agency); False when its subscription still runs. The customer stays."""
    account = db.session.scalar(
        select(BillingAccount)
        .where(BillingAccount.tenant_id == tenant_id)
        .with_for_update(of=BillingAccount)
    )
    if account.stripe_subscription_id is None or account.subscription_status not in ENDED:
        return False
    account.plan_id, account.stripe_subscription_id, account.subscription_status = (
        plan.id,
        None,
        None,
    )
    account.stripe_price_id = account.stripe_overage_price_id = account.price_cents = None
    account.current_period_end = account.comped_until = account.texts_metered_through = None
    account.trial_ends_at = None
    account.cancel_at_period_end, account.updated_at = False, utcnow()
    account.subscription_number += 1
    return True


def set_cancel_at_period_end(tenant_id: int, cancel: bool, actor: Actor) -> BillingAccount:
    """Cancel the subscription at the end of its period, or keep it after all."""
    info = _agency(tenant_id)
    with in_agency(info):
        account = subscribed(tenant_id, lock=True)
        if account.cancel_at_period_end == cancel:
            raise DomainError(
                "The subscription already ends with this period."
                if cancel
                else "The subscription is not set to end."
            )
        before = _snapshot(account)
        try:
            sub = stripe_api.client().v1.subscriptions.update(
                account.stripe_subscription_id,
                # Setting a flag is idempotent itself; the SDK's own key covers its retries (a
                # key of ours would replay a stale answer after cancel, keep, cancel).
                params={"cancel_at_period_end": cancel},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        _copy(account, sub)
        action = "billing.cancel_scheduled" if cancel else "billing.cancel_undone"
        _audit(action, info, before, _snapshot(account), actor)
        db.session.commit()
        return account


def portal_url(tenant_id: int, return_url: str) -> str:
    """A Stripe customer-portal session for the agency's own customer; its url."""
    account = db.session.get(BillingAccount, tenant_id)
    if account is None or account.stripe_customer_id is None:
        raise DomainError("This agency has no billing account yet.", status=409)
    try:
        session = stripe_api.client().v1.billing_portal.sessions.create(
            params={"customer": account.stripe_customer_id, "return_url": return_url}
        )
    except stripe.StripeError as exc:
        raise _unavailable(exc) from None
    return session.url


def _change_key(tenant_id: int, sub_id: str, account: BillingAccount, price: str, at: int) -> str:
    move = f"{account.stripe_price_id}-to-{price}-at-{at}"
    return f"bbp-agency-{tenant_id}-{sub_id}-{row_version(account)}-{move}"


def period_end(account: BillingAccount) -> datetime | None:
    """When the current period ends, as Stripe says (our row's date while Stripe is down)."""
    try:
        sub = stripe_api.client().v1.subscriptions.retrieve(account.stripe_subscription_id)
    except stripe.StripeError:
        return account.current_period_end
    return moment(stripe_api.licensed_item(sub).current_period_end)


def _moved_items(account: BillingAccount, plan: Plan) -> list[dict]:
    """The subscription's items on the plan's current prices: the plan item always, the texts
    item when the agency has one and the plan meters texts at another price."""
    sub = stripe_api.client().v1.subscriptions.retrieve(account.stripe_subscription_id)
    licensed, metered = stripe_api.licensed_item(sub), stripe_api.metered_item(sub)
    items = [{"id": licensed.id, "price": plan.stripe_price_id}]
    texts = plan.stripe_overage_price_id
    if metered is not None and texts and metered.price.id != texts:
        items.append({"id": metered.id, "price": texts})
    return items


def _is_proration(line) -> bool:
    """Stripe's own marker of a proration line (`parent.subscription_item_details.proration`)."""
    details = (line.to_dict().get("parent") or {}).get("subscription_item_details") or {}
    return bool(details.get("proration"))


def _previews() -> URLSafeSerializer:
    """Signs a preview's agency, plan and second, so a confirm prorates from that preview only
    (its age is checked on the app's clock, below)."""
    return URLSafeSerializer(current_app.secret_key, salt="bbp-plan-preview")


def _proration_moment(given, tenant_id: int, plan_id: int) -> int:
    """The previewed second, from the preview's signed token (now when none is given, as from
    the console); a stale, altered or other plan's token asks for a fresh preview."""
    if given in (None, ""):
        return int(utcnow().timestamp())
    try:
        signed = _previews().loads(str(given))
    except BadSignature:
        signed = None
    at = signed.get("at") if isinstance(signed, dict) else None
    now = utcnow()
    ours = isinstance(at, int) and (signed.get("agency"), signed.get("plan")) == (
        tenant_id,
        plan_id,
    )
    if not ours or not now - PREVIEW_FRESH <= moment(at) <= now:
        raise DomainError("The preview is out of date: review the change again.", "plan_id")
    return at


def _copy(account: BillingAccount, sub) -> None:
    item = stripe_api.licensed_item(sub)
    account.subscription_status = sub.status
    account.current_period_end = moment(item.current_period_end)
    account.cancel_at_period_end = bool(sub.cancel_at_period_end)
    account.updated_at = utcnow()


def _snapshot(account: BillingAccount) -> dict:
    return {
        "plan": db.session.get(Plan, account.plan_id).name,
        "stripe_price_id": account.stripe_price_id,
        "cancel_at_period_end": account.cancel_at_period_end,
    }


def _unavailable(exc: stripe.StripeError) -> DomainError:
    if isinstance(exc, stripe.InvalidRequestError) and exc.user_message:
        return DomainError(f"Stripe did not accept the change: {exc.user_message}", status=502)
    return DomainError(
        "Billing is unavailable right now: nothing was changed. Try again in a few minutes.",
        status=503,
    )


def _agency(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("There is no such agency.", status=404)
    return tenant_by_slug(tenant.slug)


@contextmanager
def in_agency(info) -> Iterator[None]:
    """Work in the agency's schema (its audit log), binding it when a console request is not."""
    bound_now = current_tenant()
    if bound_now is not None and bound_now.id == info.id:
        yield
        return
    db.session.rollback()
    with bound(info, db.session):
        try:
            yield
        finally:
            db.session.rollback()


def _audit(action: str, info, before: dict, after: dict, actor: Actor) -> None:
    """The change in the platform log (by agency id) and in the agency's own log."""
    entry = record(
        action, before=before, after=after, actor=actor.platform_label, model=PlatformAuditEntry
    )
    entry.target_type, entry.target_id = "tenant", str(info.id)
    if actor.agency_user_id is not None:
        # An agency's person: the platform log keeps no address or browser of theirs (the
        # agency's own log, below, does).
        entry.ip = entry.user_agent = None
    agency = record(action, before=before, after=after, actor=actor.agency_label)
    agency.actor_id = actor.agency_user_id
