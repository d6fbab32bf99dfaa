"""Plans and agencies on plans for billing tests, through the fake Stripe."""

from __future__ import annotations

import uuid
from decimal import Decimal

from bbp.billing import services, stripe_api
from bbp.billing.models import Plan
from bbp.extensions import db


def plan_fields(**changes) -> dict:
    """A valid plan with a name no other test uses (plans outlive a test)."""
    return {
        "name": f"Plan {uuid.uuid4().hex[:8]}",
        "monthly_price_cents": 9900,
        "included_seats": 5,
        "included_texts": 1000,
        "text_overage_cents": Decimal("1.5"),
        "trial_days": 14,
        "active": True,
    } | changes


def make_plan(app, **changes) -> int:
    """Create a plan as the console does; returns its id."""
    with app.app_context():
        plan = services.create_plan(plan_fields(**changes), "test")
        return plan.id


def plan(app, plan_id: int) -> Plan:
    with app.app_context():
        found = db.session.get(Plan, plan_id)
        db.session.expunge(found)
        return found


def calls(app, method: str, path: str) -> list[tuple[str, str, str | None]]:
    """Requests the SDK sent to the fake Stripe, by method and path."""
    with app.app_context():
        fake = stripe_api.fake()
    return [call for call in fake.requests if call[:2] == (method, path)]


def monthly_price(client, amount: int = 9900, name: str = "Pro"):
    """A Stripe Product and its monthly Price, made through the SDK."""
    product = client.v1.products.create(params={"name": name})
    return client.v1.prices.create(
        params={
            "product": product.id,
            "unit_amount": amount,
            "currency": "usd",
            "recurring": {"interval": "month"},
        }
    )
