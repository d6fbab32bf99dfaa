"""`flask seed`: says what it made and where, changes nothing the second time, fits its data."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bbp.billing import stripe_api
from bbp.billing.models import BillingAccount, Plan
from bbp.collateral.models import Collateral
from bbp.dev.billing_seed import DEMO_PLANS, DEMO_SUBSCRIPTIONS
from bbp.dev.book import COLLATERAL
from bbp.dev.details_seed import DEMO_DETAILS, seed_details
from bbp.dev.merchant_seed import DEMO_FEES
from bbp.dev.seed import DEMO_AGENCIES, PLATFORM_ADMIN
from bbp.extensions import db
from bbp.merchant import accounts
from bbp.payments.models import Payment
from bbp.payments.receipts import receipt_pdf
from bbp.platform.models import PlatformAdmin
from bbp.platform.provisioning import drop_tenant
from bbp.settings import agency as agency_rules
from bbp.settings import services as settings
from bbp.settings.services import agency_details
from bbp.tenancy import bound, tenant_by_slug
from tests.payments.test_receipt_pdf import shown
from tests.support import DOMAIN


@pytest.fixture(scope="module")
def seeded(app):
    """Run `flask seed` twice on the test database; (first output, second output)."""
    runner = app.test_cli_runner()
    with app.app_context():  # as `flask` pushes it for every command
        first, again = runner.invoke(args=["seed"]), runner.invoke(args=["seed"])
    yield first, again
    with app.app_context():
        for agency in DEMO_AGENCIES:
            drop_tenant(agency.slug)
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email == PLATFORM_ADMIN))
        db.session.execute(delete(Plan).where(Plan.name.in_([p.name for p in DEMO_PLANS])))
        db.session.commit()


def test_seed_says_what_it_made_and_where_to_find_it(seeded):
    first, _ = seeded
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "Seeded the plans Starter, Pro and Enterprise (Stripe products and prices).",
        "Seeded two demo agencies with sample bonds, people and court dates: "
        f"demo.{DOMAIN} (Liberty Bail Bonds) and acme.{DOMAIN} (Acme Bail).",
        "Started the plan trials of demo and acme.",
        "Set the platform's fee on online payments for Starter, Pro and Enterprise.",
        "Connected the fake Stripe account of demo: cosigners can pay online in the portal.",
        "Gave demo and acme an address, phone and license number (on receipts, the portal and "
        "pay pages).",
        f"Seeded the platform admin {PLATFORM_ADMIN} on admin.{DOMAIN} "
        "(sets up two-step sign-in at the first sign-in).",
        "Demo accounts use the password 'bbp-demo-pass'.",
    ]


def test_seeding_again_changes_nothing_and_says_so(seeded):
    _, again = seeded
    assert again.exit_code == 0
    assert again.output == "Demo data already present; nothing changed.\n"


def test_every_seeded_collateral_is_described_as_its_kind(app, seeded):
    descriptions = [d for ds, _ in COLLATERAL.values() for d in ds]
    assert len(descriptions) == len(set(descriptions))  # no description fits two kinds
    seen = set()
    for agency in DEMO_AGENCIES:
        with app.app_context(), bound(tenant_by_slug(agency.slug), db.session):
            items = db.session.execute(select(Collateral.kind, Collateral.description)).all()
            db.session.rollback()
        assert items, f"{agency.slug} has no collateral"
        for kind, description in items:
            assert description in COLLATERAL[kind][0], (kind, description)
            seen.add(kind)
    assert len(seen) > 1


def test_the_demo_plans_and_trials_are_made_through_the_stripe_client(app, seeded):
    with app.app_context():
        plans = {
            p.name: p
            for p in db.session.scalars(select(Plan))
            if p.name in DEMO_SUBSCRIPTIONS.values() or p.name == "Enterprise"
        }
        assert sorted(plans) == ["Enterprise", "Pro", "Starter"]
        client = stripe_api.client()
        assert client.v1.prices.retrieve(plans["Pro"].stripe_price_id).unit_amount == 14900
        for slug, plan_name in DEMO_SUBSCRIPTIONS.items():
            account = db.session.get(BillingAccount, tenant_by_slug(slug).id)
            assert account.plan.name == plan_name
            assert account.subscription_status == "trialing" and account.trial_ends_at
            sub = client.v1.subscriptions.retrieve(account.stripe_subscription_id)
            assert sub.customer == account.stripe_customer_id


def test_the_demo_agency_takes_payments_online_and_the_plans_have_fees(app, seeded):
    with app.app_context():
        fees = {
            p.name: (p.application_fee_bps, p.application_fee_cents)
            for p in db.session.scalars(select(Plan).where(Plan.name.in_(DEMO_FEES)))
        }
        db.session.rollback()
        assert fees == DEMO_FEES
        for slug, takes_payments in (("demo", True), ("acme", False)):
            with bound(tenant_by_slug(slug), db.session):
                account = accounts.payable()
                assert (account is not None) is takes_payments
                if account is not None:
                    assert account.payouts_enabled and account.currently_due == []
                db.session.rollback()


def test_the_demo_agencies_have_an_address_and_phone_on_receipts_and_the_portal(app, seeded, visit):
    for slug, details in DEMO_DETAILS.items():
        with app.app_context():
            tenant = tenant_by_slug(slug)
            with bound(tenant, db.session):
                shown_details = agency_details()
                payment = db.session.scalar(select(Payment).order_by(Payment.id).limit(1))
                assert payment is not None, f"{slug} has no payment to print a receipt for"
                drawn = "\n".join(shown(receipt_pdf(payment)))
                text = drawn.replace("\\(", "(").replace("\\)", ")")  # PDF string escapes
                db.session.rollback()
        assert shown_details == details
        assert details.address_line1 in text and details.phone_display in text
        assert f"License No. {details.license_number}" in text
        login = visit(tenant).get("/portal/login").get_data(as_text=True)
        assert f'href="tel:{details.tel}"' in login and details.address in login


def test_an_address_typed_in_settings_is_kept_by_the_seed(app, seeded):
    with app.app_context():
        tenant = tenant_by_slug("acme")
        with bound(tenant, db.session):
            row = settings.current()
            row.address_line1, row.phone = "1 Main Street", "2135550100"
            db.session.commit()
        assert seed_details() == []
        with bound(tenant, db.session):
            row = settings.current()
            assert (row.address_line1, row.phone) == ("1 Main Street", "2135550100")
            agency_rules.apply(row, DEMO_DETAILS["acme"])  # as the seed left it, for the others
            db.session.commit()
