"""Online payments for the demo (`make run`): each plan's platform fee, and the demo agency's
Stripe account connected and onboarded through the fake, so a cosigner can pay in the portal at
once; the second demo agency is left to connect from Settings → Payments."""

from __future__ import annotations

from bbp.billing import services, stripe_api
from bbp.extensions import db
from bbp.merchant import accounts, fees
from bbp.tenancy import bound, tenant_by_slug

# Each demo plan's fee (basis points, fixed cents): what the console shows and can change.
DEMO_FEES = {"Starter": (100, 30), "Pro": (50, 25), "Enterprise": (25, 0)}
CONNECTED = ("demo",)  # demo agencies whose Stripe account is connected and onboarded


def seed_fees() -> list[str]:
    """Give the demo plans their fee where none is set yet; returns the plans changed."""
    changed = []
    for name, (basis_points, fixed_cents) in DEMO_FEES.items():
        plan = services.plan_by_name(name)
        if plan is None or plan.application_fee_bps or plan.application_fee_cents:
            continue
        fees.set_fee(plan.id, basis_points, fixed_cents, "seed")
        changed.append(name)
    db.session.rollback()  # end the lookups' transaction: connecting binds schemas
    return changed


def seed_connected() -> list[str]:
    """Connect the demo agencies in CONNECTED and finish their onboarding in the fake (only
    without a real Stripe key); returns the agencies connected."""
    if stripe_api.fake() is None:
        return []
    connected = []
    for slug in CONNECTED:
        tenant = tenant_by_slug(slug)
        if tenant is None:
            continue
        with bound(tenant, db.session):
            if accounts.current() is not None:
                continue
            account = accounts.connect("seed")
            db.session.commit()
            stripe_api.fake().submit_details(account.stripe_account_id)
            accounts.refresh()
            connected.append(slug)
    return connected
