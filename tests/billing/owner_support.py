"""Agencies on plans with a live subscription, for the owner's billing page tests."""

from __future__ import annotations

from bbp.billing import accounts, stripe_api
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from tests.billing.support import make_plan


def subscribe(app, agency, **plan_changes) -> int:
    """Put the agency on a new plan and open its Stripe subscription; returns the plan id."""
    plan_id = make_plan(app, **plan_changes)
    with app.app_context():
        accounts.choose_plan(agency.info.id, plan_id, "test")
        accounts.subscribe(agency.info.id)
    return plan_id


def paid_up(app, agency) -> None:
    """Mark the agency's subscription active, as after its first invoice was paid."""
    with app.app_context():
        account = db.session.get(BillingAccount, agency.info.id)
        fake = stripe_api.fake()
        sub = fake.get("subscriptions", account.stripe_subscription_id)
        sub["status"] = "active"
        fake._save(sub)
        account.subscription_status = "active"
        db.session.commit()


def account(app, agency) -> BillingAccount:
    with app.app_context():
        found = db.session.get(BillingAccount, agency.info.id)
        db.session.expunge(found)
        return found
