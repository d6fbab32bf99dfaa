"""Demo agencies and accounts for `make run` (development only, idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bbp.auth.models import User
from bbp.dev.billing_seed import seed_plans, seed_subscriptions
from bbp.dev.book import seed_book
from bbp.dev.details_seed import seed_details
from bbp.dev.merchant_seed import seed_connected, seed_fees
from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from bbp.platform.provisioning import create_tenant
from bbp.tenancy import bound, tenant_by_slug

DEMO_PASSWORD = "bbp-demo-pass"  # noqa: S105  (development-only demo accounts)
PLATFORM_ADMIN = "admin@bbp.example"


@dataclass(frozen=True)
class DemoAgency:
    """One seeded agency."""

    slug: str
    name: str
    timezone: str
    state: str


DEMO_AGENCIES = (
    DemoAgency("demo", "Liberty Bail Bonds", "America/New_York", "FL"),
    DemoAgency("acme", "Acme Bail", "America/Los_Angeles", "CA"),
)


def seed_agency(agency: DemoAgency) -> bool:
    """Create the agency with an owner and an agent if missing; returns True when created."""
    if tenant_by_slug(agency.slug) is not None:
        return False
    made = create_tenant(
        agency.slug,
        agency.name,
        f"owner@{agency.slug}.example",
        owner_name="Olivia Owner",
        timezone=agency.timezone,
        state=agency.state,
    )
    with bound(made.tenant, db.session):
        owner = db.session.get(User, made.owner_id)
        owner.set_password(DEMO_PASSWORD)
        agent = User(
            email=f"agent@{agency.slug}.example",
            name="Andy Agent",
            role="agent",
            phone="3055550100",
            invited_by_id=owner.id,
        )
        agent.set_password(DEMO_PASSWORD)
        db.session.add(agent)
        db.session.commit()
    return True


@dataclass(frozen=True)
class Seeded:
    """What one run of the seed added: new agencies, books of bonds, the platform admin."""

    agencies: list[DemoAgency]
    books: list[DemoAgency]
    admin: bool
    plans: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    fees: list[str] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(
            self.agencies
            or self.books
            or self.admin
            or self.plans
            or self.subscriptions
            or self.fees
            or self.connected
            or self.details
        )


def seed_books() -> list[DemoAgency]:
    """Give each demo agency its book of bonds if it has none yet (older demo databases)."""
    filled = []
    for agency in DEMO_AGENCIES:
        tenant = tenant_by_slug(agency.slug)
        with bound(tenant, db.session):
            if seed_book(tenant):
                filled.append(agency)
    return filled


def seed_platform_admin() -> bool:
    """Create the demo platform admin if missing."""
    if db.session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.email == PLATFORM_ADMIN)):
        db.session.rollback()
        return False
    admin = PlatformAdmin(email=PLATFORM_ADMIN, name="Platform Admin", role="superadmin")
    admin.set_password(DEMO_PASSWORD)
    db.session.add(admin)
    db.session.commit()
    return True


def seed_demo() -> Seeded:
    """Seed whatever is missing; returns what was added."""
    plans = seed_plans()
    agencies = [a for a in DEMO_AGENCIES if seed_agency(a)]
    books, admin = seed_books(), seed_platform_admin()
    subscriptions, fees = seed_subscriptions(), seed_fees()
    connected, details = seed_connected(), seed_details()
    return Seeded(agencies, books, admin, plans, subscriptions, fees, connected, details)
