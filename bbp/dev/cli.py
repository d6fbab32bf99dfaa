"""`flask seed` (demo data) and `flask admins create` (platform admins)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bbp.dev.seed import DEMO_PASSWORD, PLATFORM_ADMIN, DemoAgency, Seeded, seed_demo
from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from bbp.platform.roles import ADMIN_ROLES

COUNTED = {1: "one demo agency", 2: "two demo agencies"}


def _hosts(agencies: list[DemoAgency], domain: str) -> str:
    """E.g. demo.localhost:5000 (Liberty Bail Bonds) and acme.localhost:5000 (Acme Bail)."""
    named = [f"{a.slug}.{domain} ({a.name})" for a in agencies]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _say_agency_extras(seeded: Seeded) -> None:
    """The platform's fees, the connected Stripe account and the agencies' details seeded."""
    if seeded.fees:
        click.echo(f"Set the platform's fee on online payments for {_names(seeded.fees)}.")
    if seeded.connected:
        click.echo(
            f"Connected the fake Stripe account of {_names(seeded.connected)}: cosigners can pay "
            "online in the portal."
        )
    if seeded.details:
        click.echo(
            f"Gave {_names(seeded.details)} an address, phone and license number (on receipts, "
            "the portal and pay pages)."
        )


@click.command("seed")
def seed_command():
    """Create the demo agencies and accounts (development only; keeps existing data)."""
    if current_app.config["BBP_ENV"] == "production":
        raise click.ClickException("demo data is for development only")
    seeded = seed_demo()
    domain = current_app.config["BBP_DOMAIN"]
    if seeded.plans:
        click.echo(f"Seeded the plans {_names(seeded.plans)} (Stripe products and prices).")
    if seeded.agencies:
        count = COUNTED.get(len(seeded.agencies), f"{len(seeded.agencies)} demo agencies")
        click.echo(
            f"Seeded {count} with sample bonds, people and court dates: "
            f"{_hosts(seeded.agencies, domain)}."
        )
    if filled := [a for a in seeded.books if a not in seeded.agencies]:
        click.echo(f"Added sample bonds, people and court dates to {_hosts(filled, domain)}.")
    if seeded.subscriptions:
        click.echo(f"Started the plan trials of {_names(seeded.subscriptions)}.")
    _say_agency_extras(seeded)
    if seeded.admin:
        click.echo(
            f"Seeded the platform admin {PLATFORM_ADMIN} on admin.{domain} "
            "(sets up two-step sign-in at the first sign-in)."
        )
    if seeded.anything:
        click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}.")
    else:
        click.echo("Demo data already present; nothing changed.")


admins_cli = AppGroup("admins", help="Manage platform admins.")


@admins_cli.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.option(
    "--role", type=click.Choice(list(ADMIN_ROLES)), default="superadmin", show_default=True
)
@click.password_option()
def create_admin(email, name, role, password):
    """Create a platform admin who signs in on admin.<domain>."""
    email = email.strip().lower()
    if db.session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.email == email)):
        raise click.ClickException(f"{email} is already a platform admin")
    admin = PlatformAdmin(email=email, name=name, role=role)
    admin.set_password(password)
    db.session.add(admin)
    db.session.commit()
    click.echo(
        f"Platform admin {email} created. They set up two-step sign-in (an authenticator app) "
        "at their first sign-in."
    )


def init_app(app: Flask) -> None:
    """Register development and admin commands."""
    app.cli.add_command(seed_command)
    app.cli.add_command(admins_cli)
