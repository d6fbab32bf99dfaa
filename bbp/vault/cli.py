"""`flask keys ...`: generate and rotate master keys, shred an agency's data keys."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from bbp.extensions import db
from bbp.tenancy import bound, tenant_by_slug
from bbp.tenancy.models import Tenant
from bbp.vault import services
from bbp.vault.keyring import new_spec

keys_cli = AppGroup("keys", help="Field-encryption keys.")


@keys_cli.command("generate")
@click.argument("key_id")
def generate_command(key_id):
    """Print a new master key entry to put first in BBP_MASTER_KEYS."""
    click.echo(new_spec(key_id))


@keys_cli.command("rotate")
def rotate_command():
    """Re-wrap every agency's data keys under the first (current) master key."""
    # A purged agency has no schema and no keys left: only its tombstone row.
    query = select(Tenant.slug).where(Tenant.status != "purged").order_by(Tenant.slug)
    slugs = db.session.scalars(query).all()
    db.session.rollback()
    current = services.master_keys()[0].id
    total = 0
    with click.progressbar(slugs, label=f"Re-wrapping data keys under {current}") as bar:
        for slug in bar:
            with bound(tenant_by_slug(slug), db.session):
                total += services.rotate_master_key()
    click.echo(f"{total} data keys re-wrapped. Older master keys can now be removed.")


@keys_cli.command("shred")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Confirm: the agency's encrypted fields are lost.")
def shred_command(slug, yes):
    """Delete an agency's data keys, making its encrypted fields unreadable for ever."""
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"No agency has the subdomain '{slug}'.")
    if not yes:
        raise click.ClickException("Add --yes: this cannot be undone.")
    with bound(tenant, db.session):
        count = services.shred()
    click.echo(f"Shredded {count} data keys of {slug}.")


def init_app(app: Flask) -> None:
    """Register the keys command group."""
    app.cli.add_command(keys_cli)
