"""Plans and agencies on plans for billing tests, through the fake Stripe."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.billing import accounts, services, stripe_api
from bbp.billing.models import BillingAccount, Plan
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound


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


def subscribed(app, agency, **plan_changes) -> int:
    """Put the agency on a new plan and open its trial subscription now; returns the plan id."""
    plan_id = make_plan(app, **plan_changes)
    with app.app_context():
        accounts.choose_plan(agency.info.id, plan_id, "test")
        accounts.subscribe(agency.info.id)
    return plan_id


def end_trial(app, tenant_id: int) -> None:
    """The trial is over and paid: the fake's subscription and our row say active (what the
    webhooks will write)."""
    with app.app_context():
        account = db.session.get(BillingAccount, tenant_id)
        fake = stripe_api.fake()
        sub = fake.get("subscriptions", account.stripe_subscription_id)
        sub.update(status="active", trial_end=None)
        fake._save(sub)
        account.subscription_status, account.trial_ends_at = "active", None
        db.session.commit()


def account(app, tenant_id: int):
    """The agency's billing row, detached."""
    with app.app_context():
        found = db.session.get(BillingAccount, tenant_id)
        db.session.expunge(found)
        return found


def platform_actions(app, tenant_id: int, prefix: str = "billing.") -> list[str]:
    """The platform audit log's actions about the agency, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(PlatformAuditEntry.action)
                .where(
                    PlatformAuditEntry.target_type == "tenant",
                    PlatformAuditEntry.target_id == str(tenant_id),
                    PlatformAuditEntry.action.startswith(prefix),
                )
                .order_by(PlatformAuditEntry.id)
            )
        )


def agency_entries(app, agency, prefix: str = "billing.") -> list:
    """The agency's own audit entries (action, actor label, after), oldest first."""
    with app.app_context(), bound(agency.info, db.session):
        return [
            (e.action, e.actor_label, e.after)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.startswith(prefix))
                .order_by(AuditEntry.id)
            )
        ]


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
