"""`flask tenants create --plan`: the console's plan choice, from the command line."""

from __future__ import annotations

import uuid

from bbp.billing.models import BillingAccount
from bbp.extensions import db
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy import tenant_by_slug
from tests.billing.support import make_plan, plan
from tests.platform.archive_support import work


def test_the_cli_creates_an_agency_on_a_plan(app, redis):
    name = plan(app, make_plan(app, trial_days=7)).name
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    runner = app.test_cli_runner()
    try:
        with app.app_context():
            result = runner.invoke(
                args=[
                    "tenants",
                    "create",
                    slug,
                    "--name",
                    "Cli Bail",
                    "--owner-email",
                    "o@cli.example",
                    "--plan",
                    name.lower(),
                ]
            )
        assert result.exit_code == 0, result.output
        assert f"On the {name.lower()} plan" in result.output
        work(app)
        with app.app_context():
            account = db.session.get(BillingAccount, tenant_by_slug(slug).id)
            assert account.plan.name == name and account.subscription_status == "trialing"
    finally:
        with app.app_context():
            drop_tenant(slug)


def test_an_unknown_plan_is_refused_before_anything_is_made(app):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(
            args=[
                "tenants",
                "create",
                slug,
                "--name",
                "X",
                "--owner-email",
                "o@x.example",
                "--plan",
                "Platinum Deluxe",
            ]
        )
        assert result.exit_code == 1 and "No plan 'Platinum Deluxe' is offered" in result.output
        assert tenant_by_slug(slug) is None
