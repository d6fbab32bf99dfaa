"""`flask seed` (demo data) and `flask admins create` (platform admins)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bbp.extensions import db
from bbp.platform.models import PlatformAdmin


@click.command("seed")
def seed_command():
    """Create the demo agencies and accounts (development only; keeps existing data)."""
    from bbp.dev.seed import DEMO_PASSWORD, seed_demo

    if current_app.config["BBP_ENV"] == "production":
        raise click.ClickException("demo data is for development only")
    created = seed_demo()
    click.echo("Seeded: " + ", ".join(created) if created else "Demo data already present.")
    click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}.")


admins_cli = AppGroup("admins", help="Manage platform admins.")


@admins_cli.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.password_option()
def create_admin(email, name, password):
    """Create a platform admin who signs in on admin.<domain>."""
    email = email.strip().lower()
    if db.session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.email == email)):
        raise click.ClickException(f"{email} is already a platform admin")
    admin = PlatformAdmin(email=email, name=name)
    admin.set_password(password)
    db.session.add(admin)
    db.session.commit()
    click.echo(f"Platform admin {email} created.")


def init_app(app: Flask) -> None:
    """Register development and admin commands."""
    app.cli.add_command(seed_command)
    app.cli.add_command(admins_cli)
