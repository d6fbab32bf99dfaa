"""Demo plans (Starter, Pro, Enterprise) and each demo agency's trial, made through the Stripe
client: the fake under `make run`, so the console shows real-looking ids and dates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bbp.billing import accounts, services
from bbp.extensions import db
from bbp.tenancy import tenant_by_slug


@dataclass(frozen=True)
class DemoPlan:
    """One seeded plan."""

    name: str
    monthly_price_cents: int
    included_seats: int
    included_texts: int
    text_overage_cents: Decimal
    trial_days: int

    def fields(self) -> dict:
        return {**self.__dict__, "active": True}


DEMO_PLANS = (
    DemoPlan("Starter", 4900, 3, 500, Decimal("2"), 14),
    DemoPlan("Pro", 14900, 10, 3000, Decimal("1.5"), 14),
    DemoPlan("Enterprise", 49900, 50, 20000, Decimal("1"), 30),
)
# Which plan each demo agency is on.
DEMO_SUBSCRIPTIONS = {"demo": "Pro", "acme": "Starter"}


def seed_plans() -> list[str]:
    """Create the demo plans that are missing, and the metered texts Price of a plan seeded
    before texts were metered (the texts meter comes with the first); returns their names."""
    made = []
    for plan in DEMO_PLANS:
        found = services.plan_by_name(plan.name)
        if found is None:
            services.create_plan(plan.fields(), "seed")
            made.append(plan.name)
        elif found.stripe_overage_price_id is None:
            current = {field: getattr(found, field) for field in services.FIELDS}
            services.update_plan(found.id, current, "seed")
            made.append(plan.name)
    db.session.rollback()  # end the lookups' transaction: the agencies' seeding binds schemas
    return made


def seed_subscriptions() -> list[str]:
    """Put each demo agency on its plan and open its subscription now (no worker needed)."""
    opened = []
    for slug, plan_name in DEMO_SUBSCRIPTIONS.items():
        tenant, plan = tenant_by_slug(slug), services.plan_by_name(plan_name)
        if tenant is None or plan is None or accounts.account_of(tenant.id) is not None:
            continue
        accounts.choose_plan(tenant.id, plan.id, "seed")
        accounts.subscribe(tenant.id)
        opened.append(slug)
    db.session.rollback()
    return opened
