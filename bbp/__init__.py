"""BailBondPro: the application factory reads as the table of contents."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bbp import config


def create_app(overrides: dict | None = None, *, migrations: bool = True) -> Flask:
    """Build the app; it never creates databases or runs migrations (the CLI does). Without
    `migrations` there is no `flask db` (gunicorn's app: Flask-Migrate and Alembic stay out)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(Path(app.instance_path), overrides))
    register_extensions(app)
    if migrations:
        register_migrations(app)
    register_tenancy(app)
    register_observability(app)
    register_blueprints(app)
    register_errors(app)
    register_security(app)
    register_templates(app)
    register_jobs(app)
    register_cli(app)
    register_proxies(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_sqlalchemy.session import Session

    from bbp import models  # noqa: F401
    from bbp.extensions import (
        csrf,
        db,
        guard_pool_across_fork,
        htmx,
        init_redis,
        load_extreme_dates,
    )
    from bbp.kernel import changes
    from bbp.messaging import emails
    from bbp.platform import loader
    from bbp.tenancy import context
    from bbp.web import i18n

    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    init_redis(app)
    loader.init_app(app)
    i18n.init_app(app)
    context.install(Session)
    changes.install()
    emails.install()
    with app.app_context():
        guard_pool_across_fork(db.engine)
        load_extreme_dates(db.engine)


def register_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    from bbp.extensions import db
    from bbp.tenancy.schema import PUBLIC_MIGRATIONS_DIR

    Migrate(app, db, render_as_batch=False, directory=str(PUBLIC_MIGRATIONS_DIR))


def register_tenancy(app: Flask) -> None:
    from bbp.tenancy import resolver
    from bbp.tenancy.sessions import HostBoundSessionInterface

    app.session_interface = HostBoundSessionInterface()
    resolver.init_app(app)


def register_observability(app: Flask) -> None:
    from bbp.web import observe

    observe.init_app(app)


def register_blueprints(app: Flask) -> None:
    from bbp.web import inputs

    inputs.install_converters(app)
    # Importing a feature's views attaches its routes to the feature's bp.
    from bbp.audit import views as audit
    from bbp.auth import views as auth
    from bbp.billing import enforcement, seats
    from bbp.billing.views import dunning as dunning_views
    from bbp.billing.views import fake_invoices as fake_invoice_views
    from bbp.billing.views import standin as billing_standin
    from bbp.billing.views import subscription  # noqa: F401  (its routes join dunning_views.bp)
    from bbp.billing.views import webhooks as webhook_views
    from bbp.bonds import views as bonds
    from bbp.checkins import views as checkins
    from bbp.collateral import views as collateral
    from bbp.core import views as core
    from bbp.courts import views as courts
    from bbp.dashboard import views as dashboard
    from bbp.dataio import views as dataio
    from bbp.defendants import views as defendants
    from bbp.documents import views as documents
    from bbp.health import views as health
    from bbp.indemnitors import views as indemnitors
    from bbp.merchant import views as merchant
    from bbp.merchant.views import connect_webhooks
    from bbp.messaging import views as messaging
    from bbp.payments import views as payments
    from bbp.platform import views as platform
    from bbp.platform.support import session as support_session
    from bbp.platform.support import views as support
    from bbp.portal import views as portal
    from bbp.powers import views as powers
    from bbp.reminders import views as reminders
    from bbp.settings import views as settings
    from bbp.signatures import views as signatures
    from bbp.staff import views as staff
    from bbp.tenancy import register_site_blueprint

    register_site_blueprint(app, core.bp, "any")
    register_site_blueprint(app, health.bp, "any")
    register_site_blueprint(app, auth.bp, "tenant")
    register_site_blueprint(app, dashboard.bp, "tenant")
    register_site_blueprint(app, staff.bp, "tenant")
    register_site_blueprint(app, audit.bp, "tenant")
    register_site_blueprint(app, bonds.bp, "tenant")
    register_site_blueprint(app, checkins.bp, "tenant")
    register_site_blueprint(app, collateral.bp, "tenant")
    register_site_blueprint(app, courts.bp, "tenant")
    register_site_blueprint(app, dataio.bp, "tenant")
    register_site_blueprint(app, defendants.bp, "tenant")
    register_site_blueprint(app, indemnitors.bp, "tenant")
    register_site_blueprint(app, messaging.bp, "tenant")
    register_site_blueprint(app, payments.bp, "tenant")
    register_site_blueprint(app, powers.bp, "tenant")
    register_site_blueprint(app, settings.bp, "tenant")
    register_site_blueprint(app, reminders.bp, "tenant")
    register_site_blueprint(app, documents.bp, "tenant")
    register_site_blueprint(app, signatures.bp, "tenant")
    register_site_blueprint(app, portal.bp, "tenant")
    register_site_blueprint(app, platform.bp, "platform")
    register_site_blueprint(app, support.bp, "tenant")  # support access, the agency's side
    support_session.init_app(app)
    register_site_blueprint(app, dunning_views.bp, "tenant")  # the owner's billing page
    register_site_blueprint(app, billing_standin.bp, "tenant")  # dev only: the portal's stand-in
    seats.init_app(app)  # the plan's staff seats, refused beyond at invitation
    register_site_blueprint(app, webhook_views.bp, "platform")  # Stripe's events, signed
    register_site_blueprint(app, fake_invoice_views.bp, "any")  # the fake's invoice pages
    enforcement.init_app(app)  # dunning: the banner, read-only and billing-suspended
    register_site_blueprint(app, merchant.bp, "tenant")  # online payments, the agency's side
    register_site_blueprint(app, connect_webhooks.endpoint_bp, "platform")  # Connect events
    # Browsers ask every host for /favicon.ico: serve the static file there, like any static file.
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"})


def register_errors(app: Flask) -> None:
    from bbp.web import errors

    errors.init_app(app)


def register_security(app: Flask) -> None:
    from bbp.web import inputs, security

    security.init_app(app)
    inputs.init_app(app)


def register_templates(app: Flask) -> None:
    from bbp.web import templating

    templating.init_app(app)


def register_jobs(app: Flask) -> None:
    from bbp.billing import dunning, metering
    from bbp.jobs import platform_tasks, schedule
    from bbp.jobs.periodic import Task
    from bbp.kernel import wakeups
    from bbp.merchant import autopay_charges
    from bbp.platform import purge

    # Billing sits beside bbp.jobs in the import contract, so its tenant task joins here:
    # each metered agency's sent texts, reported hourly to Stripe's meter.
    meter = Task(wakeups.METER, metering.report_texts, metering.next_due, metering.SWEEP)
    # Online payments (beside billing): each agency's autopay charges, daily when its quiet
    # hours end, and again soon while an attempt waits.
    autopay = Task(
        wakeups.AUTOPAY, autopay_charges.run, autopay_charges.next_due, autopay_charges.SWEEP
    )
    schedule.init_app(app, billing=(meter, autopay))
    # Daily work for the whole platform: purge agencies past their deletion grace, and move
    # unpaid agencies on through dunning by their dates.
    platform_tasks.install(
        app,
        (
            platform_tasks.PlatformTask("purge", purge.purge_due),
            platform_tasks.PlatformTask("dunning", dunning.advance_due),
        ),
    )


def register_cli(app: Flask) -> None:
    from bbp.billing import cli as billing_cli
    from bbp.dev import cli as dev_cli
    from bbp.jobs import cli as jobs_cli
    from bbp.platform import cli as tenants_cli
    from bbp.vault import cli as keys_cli

    tenants_cli.init_app(app)
    keys_cli.init_app(app)
    jobs_cli.init_app(app)
    dev_cli.init_app(app)
    billing_cli.init_app(app)


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from the proxies we run: clients send them too.

    X-Forwarded-Host is never believed: the agency comes from the Host header, and a load
    balancer that does not overwrite the forwarded host would let a client pick the site.
    """
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
