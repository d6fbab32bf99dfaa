"""Plans: create and change them, each with a Stripe Product, a monthly Price and a metered
Price for texts beyond the included ones.

A Stripe Price is immutable, so changing a plan's monthly price (or its included texts or
per-text price) creates a new Price and points the plan at it; agencies already subscribed keep
paying the old one (their billing row names it) until they are moved explicitly
(docs/billing.md, "Plans" and "Metered texts").
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from bbp.audit.services import record
from bbp.billing import stripe_api
from bbp.billing.meters import texts_meter_id
from bbp.billing.models import Plan
from bbp.billing.sdk import stripe
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAuditEntry

CURRENCY = "usd"
# What the console edits, and what the audit entry shows before and after.
FIELDS = (
    "name",
    "monthly_price_cents",
    "included_seats",
    "included_texts",
    "text_overage_cents",
    "trial_days",
    "active",
)


def plans() -> list[Plan]:
    """Every plan, active first, cheapest first."""
    return list(
        db.session.scalars(
            select(Plan).order_by(Plan.active.desc(), Plan.monthly_price_cents, Plan.name)
        )
    )


def active_plans() -> list[Plan]:
    """The plans a new agency may start on."""
    return [plan for plan in plans() if plan.active]


def plan_choices() -> list[tuple[str, str]]:
    """The new-agency form's plan choices: blank (choose later), then each plan offered."""
    return [("", "Choose later")] + [
        (
            str(plan.id),
            f"{plan.name}: ${plan.monthly_price_cents / 100:,.2f} a month, "
            f"{plan.trial_days}-day trial",
        )
        for plan in active_plans()
    ]


def plan_by_name(name: str) -> Plan | None:
    """The plan called `name` (any case), for the CLI's --plan."""
    return db.session.scalar(select(Plan).where(func.lower(Plan.name) == name.strip().lower()))


def snapshot(plan: Plan) -> dict:
    """The plan's fields as the audit log keeps them (decimals as text)."""
    values = {field: getattr(plan, field) for field in FIELDS}
    values["text_overage_cents"] = str(values["text_overage_cents"])
    return values | {
        "stripe_price_id": plan.stripe_price_id,
        "stripe_overage_price_id": plan.stripe_overage_price_id,
    }


def _check_name(name: str, plan_id: int | None = None) -> None:
    clash = select(Plan.id).where(func.lower(Plan.name) == name.lower())
    if plan_id is not None:
        clash = clash.where(Plan.id != plan_id)
    if db.session.scalar(clash) is not None:
        raise DomainError(f"A plan called {name} already exists.", "name")


def _stripe_refused(exc: stripe.StripeError) -> DomainError:
    message = exc.user_message or "no reason given"
    return DomainError(f"Stripe did not accept the change: {message}", status=502)


def _new_price(plan: Plan, idempotency_key: str) -> str:
    """A monthly Price for the plan's current amount; returns its id."""
    price = stripe_api.client().v1.prices.create(
        params={
            "product": plan.stripe_product_id,
            "unit_amount": plan.monthly_price_cents,
            "currency": CURRENCY,
            "recurring": {"interval": "month"},
            "nickname": plan.name,
            "metadata": {"plan_id": str(plan.id)},
        },
        options={"idempotency_key": idempotency_key},
    )
    return price.id


def _overage_terms(plan: Plan) -> dict:
    """The included texts free, then each segment at the overage (fractions of a cent)."""
    per_text = f"{plan.text_overage_cents.normalize():f}"
    if plan.included_texts == 0:  # Stripe refuses a tier up to 0
        return {"unit_amount_decimal": per_text}
    return {
        "billing_scheme": "tiered",
        "tiers_mode": "graduated",
        "tiers": [
            {"up_to": plan.included_texts, "unit_amount": 0},
            {"up_to": "inf", "unit_amount_decimal": per_text},
        ],
    }


def _new_overage_price(plan: Plan, idempotency_key: str) -> str:
    """A monthly metered Price on the texts meter for the plan's terms; returns its id."""
    price = stripe_api.client().v1.prices.create(
        params={
            "product": plan.stripe_product_id,
            "currency": CURRENCY,
            "recurring": {"interval": "month", "usage_type": "metered", "meter": texts_meter_id()},
            "nickname": f"{plan.name} texts",
            "metadata": {"plan_id": str(plan.id), "included_texts": str(plan.included_texts)},
            **_overage_terms(plan),
        },
        options={"idempotency_key": idempotency_key},
    )
    return price.id


@atomic
def create_plan(fields: dict, actor) -> Plan:
    """Add a plan with its Stripe Product and monthly Price, audited."""
    _check_name(fields["name"])
    plan = Plan(**{field: fields[field] for field in FIELDS})
    db.session.add(plan)
    db.session.flush()
    client = stripe_api.client()
    try:
        product = client.v1.products.create(
            params={"name": plan.name, "metadata": {"plan_id": str(plan.id)}},
            options={"idempotency_key": f"bbp-plan-{plan.id}-{plan.name}-product"},
        )
        plan.stripe_product_id = product.id
        plan.stripe_price_id = _new_price(plan, f"bbp-plan-{plan.id}-{product.id}-first-price")
        plan.stripe_overage_price_id = _new_overage_price(
            plan, f"bbp-plan-{plan.id}-{product.id}-first-overage"
        )
    except stripe.StripeError as exc:
        raise _stripe_refused(exc) from None
    record("plan.created", plan, after=snapshot(plan), actor=actor, model=PlatformAuditEntry)
    return plan


@atomic
def update_plan(plan_id: int, fields: dict, actor) -> Plan:
    """Change a plan; a new monthly price becomes a new Stripe Price the plan points to."""
    plan = db.session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update())
    if plan is None:
        raise DomainError("No such plan.", status=404)
    _check_name(fields["name"], plan.id)
    before = snapshot(plan)
    old_price, renamed = plan.stripe_price_id, fields["name"] != plan.name
    for field in FIELDS:
        setattr(plan, field, fields[field])
    repriced = plan.monthly_price_cents != before["monthly_price_cents"]
    remetered = _remetered(plan, before)
    client = stripe_api.client()
    try:
        if renamed:
            client.v1.products.update(plan.stripe_product_id, params={"name": plan.name})
        if repriced:
            # Derived from the price it replaces: a retried change finds the same new Price.
            key = f"bbp-plan-{plan.id}-after-{old_price}-{plan.monthly_price_cents}"
            plan.stripe_price_id = _new_price(plan, key)
            # Subscriptions on the old Price keep it; it only stops being offered.
            client.v1.prices.update(old_price, params={"active": False})
        if remetered:
            _replace_overage_price(plan)
    except stripe.StripeError as exc:
        raise _stripe_refused(exc) from None
    after = snapshot(plan)
    if after != before:
        action = (
            "plan.price_changed"
            if repriced
            else "plan.texts_repriced"
            if remetered
            else "plan.updated"
        )
        record(action, plan, before=before, after=after, actor=actor, model=PlatformAuditEntry)
    return plan


def _remetered(plan: Plan, before: dict) -> bool:
    """Whether the texts' terms changed (or the plan predates metering and has no such Price)."""
    return (
        plan.stripe_overage_price_id is None
        or plan.included_texts != before["included_texts"]
        or Decimal(plan.text_overage_cents) != Decimal(before["text_overage_cents"])
    )


def _replace_overage_price(plan: Plan) -> None:
    """A new metered Price for the new terms; the old one keeps billing its subscriptions."""
    old = plan.stripe_overage_price_id
    terms = f"{plan.included_texts}-{plan.text_overage_cents.normalize():f}"
    plan.stripe_overage_price_id = _new_overage_price(
        plan, f"bbp-plan-{plan.id}-overage-after-{old}-{terms}"
    )
    if old is not None:
        stripe_api.client().v1.prices.update(old, params={"active": False})


def overage_label(cents: Decimal) -> str:
    """A per-text price for people: 1.5¢, 2¢."""
    return f"{cents.normalize():f}¢"
