"""`flask tenants ...`: create, list, migrate, suspend, reactivate, export and restore agencies."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bbp.auth.tokens import set_password_url
from bbp.dataio import archives
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.wakeups import repair
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.pool import keep_spares
from bbp.platform.provisioning import ProvisioningError, create_tenant, set_status
from bbp.platform.restore import restore, restore_archive
from bbp.tenancy import tenant_by_slug
from bbp.tenancy.context import bound
from bbp.tenancy.migrate import autogenerate_revision, upgrade_all
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import head_revision, revisions

tenants_cli = AppGroup("tenants", help="Manage agencies (tenants) and their schemas.")


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Agency display name.")
@click.option("--owner-email", required=True, help="Email of the first owner.")
@click.option("--owner-name", default="", help="Name of the first owner.")
@click.option("--timezone", default="America/New_York", show_default=True)
@click.option("--state", default=None, help="Two-letter state code, e.g. FL.")
def create_command(slug, name, owner_email, owner_name, timezone, state):
    """Create an agency: schema, tables and first owner, with a set-password link."""
    try:
        made = create_tenant(
            slug, name, owner_email, owner_name=owner_name, timezone=timezone, state=state
        )
    except ProvisioningError as exc:
        raise click.ClickException(str(exc)) from None
    with bound(made.tenant, db.session):
        link = set_password_url(made.tenant, made.owner_id)
    click.echo(f"Created {made.tenant.name} ({made.tenant.slug}) in schema {made.tenant.schema}.")
    click.echo(
        f"Owner {made.owner_email} sets a password here (link valid "
        f"{current_app.config['PASSWORD_LINK_HOURS']} h, single use):\n  {link}"
    )


@tenants_cli.command("list")
def list_command():
    """Show every agency with its status and migration revision."""
    head = head_revision()
    tenants = db.session.execute(
        select(Tenant.slug, Tenant.status, Tenant.schema_name, Tenant.name).order_by(Tenant.slug)
    ).all()
    db.session.rollback()
    if not tenants:
        click.echo("No agencies yet. Create one with `flask tenants create`.")
        return
    with db.engine.connect() as conn:  # its own connection: revisions() commits between chunks
        found = revisions(conn, [t.schema_name for t in tenants])
    click.echo(f"{'SLUG':<24} {'STATUS':<10} {'REVISION':<14} NAME")
    for tenant in tenants:
        revision = found[tenant.schema_name] or "-"
        marker = "" if revision == head else " (behind)"
        click.echo(f"{tenant.slug:<24} {tenant.status:<10} {revision + marker:<14} {tenant.name}")


@tenants_cli.command("migrate")
@click.option("--workers", type=int, default=None, help="Parallel worker processes.")
@click.option("--only", multiple=True, help="Migrate only these slugs.")
def migrate_command(workers, only):
    """Upgrade every tenant schema to head, in parallel; failures are reported, not fatal."""
    query = select(Tenant.schema_name).order_by(Tenant.slug)
    if only:
        query = query.where(Tenant.slug.in_(only))
    schemas = db.session.scalars(query).all()
    db.session.rollback()
    if not schemas:
        click.echo("No agencies to migrate.")
        return
    workers = workers or current_app.config["TENANT_MIGRATION_WORKERS"]
    url = db.engine.url.render_as_string(hide_password=False)
    with click.progressbar(length=len(schemas), label="Migrating tenants") as bar:
        outcomes = upgrade_all(url, schemas, workers, on_done=lambda _: bar.update(1))
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("upgraded", "skipped", "failed")
    }
    click.echo(
        f"{counts['upgraded']} upgraded, {counts['skipped']} already at head, "
        f"{counts['failed']} failed."
    )
    for outcome in sorted(outcomes, key=lambda o: o.schema):
        if outcome.status == "failed":
            click.echo(f"FAILED {outcome.schema}: {outcome.error}", err=True)
    repair(utcnow())  # a periodic task this deploy added runs for every agency at the next tick
    db.session.commit()
    if not only and (made := keep_spares()):  # the spares of the old head are gone
        click.echo(f"{made} spare schemas made at head.")
    if counts["failed"]:
        raise SystemExit(1)


@tenants_cli.command("spares")
def spares_command():
    """Drop spare schemas an older deploy made and make them up to SPARE_SCHEMAS."""
    made = keep_spares()
    click.echo(f"{made} made; {current_app.config['SPARE_SCHEMAS']} wanted.")


@tenants_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def revision_command(message):
    """Autogenerate a tenant-schema revision in tenants/versions from the models."""
    autogenerate_revision(db.engine, message)


def _status_command(status: str):
    @click.argument("slug")
    @click.option("--reason", default=None)
    def command(slug, reason):
        try:
            set_status(slug, status, reason)
        except ProvisioningError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{slug} is now {status}.")

    return command


tenants_cli.command("suspend", help="Suspend an agency (its pages show 'account suspended').")(
    _status_command("suspended")
)
tenants_cli.command("activate", help="Reactivate a suspended agency.")(_status_command("active"))


@tenants_cli.command("export")
@click.argument("slug")
@click.option("--queue", is_flag=True, help="Leave the work to a worker instead of waiting.")
def export_command(slug, queue):
    """Archive an agency: every table and stored file, encrypted, kept ARCHIVE_DAYS days."""
    agency = tenant_by_slug(slug)
    if agency is None:
        raise click.ClickException(f"No agency has the subdomain '{slug}'.")
    try:
        made = archives.start(agency, "cli", PlatformAuditEntry, queue=queue)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if queue:
        click.echo(f"Archive #{made.id} of {slug} is queued for a worker.")
        return
    done = archives.build(made.id)
    click.echo(
        f"Archive #{done.id} of {slug}: {done.table_count} tables, {done.row_count} rows, "
        f"{done.file_count} files, {done.size_bytes} bytes; expires {done.expires_at:%Y-%m-%d}."
    )


@tenants_cli.command("restore")
@click.argument("source")
@click.argument("new_slug")
def restore_command(source, new_slug):
    """Restore an archive (its id, or a sealed archive file) into a new agency."""
    try:
        if source.isdigit():
            made = restore_archive(int(source), new_slug, "cli")
        else:
            with open(source, "rb") as file:
                made = restore(file.read(), new_slug, "cli")
    except (DomainError, OSError) as exc:
        raise click.ClickException(getattr(exc, "message", None) or str(exc)) from None
    click.echo(f"Restored as {made.name} ({made.slug}) in schema {made.schema}, suspended.")
    click.echo(
        f"Reactivate it when the original no longer runs: flask tenants activate {made.slug}"
    )


def init_app(app: Flask) -> None:
    """Register the tenants command group."""
    app.cli.add_command(tenants_cli)
