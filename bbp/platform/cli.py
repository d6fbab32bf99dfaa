"""`flask tenants ...`: create, list and migrate agencies; suspend, reactivate, delete, undo,
hold and purge them through the same lifecycle services as the console; export and restore."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bbp.auth.tokens import set_password_url
from bbp.billing import accounts
from bbp.billing import services as billing
from bbp.dataio import archives
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.platform import lifecycle, upgrades
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.pool import keep_spares
from bbp.platform.provisioning import ProvisioningError, create_tenant
from bbp.platform.purge import purge_due
from bbp.platform.restore import restore, restore_archive
from bbp.tenancy import tenant_by_slug
from bbp.tenancy.context import bound
from bbp.tenancy.migrate import autogenerate_revision
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
@click.option("--plan", default=None, help="Plan name (e.g. Pro): starts its trial.")
def create_command(slug, name, owner_email, owner_name, timezone, state, plan):
    """Create an agency: schema, tables and first owner, with a set-password link."""
    plan_id = _plan_id(plan) if plan else None
    try:
        made = create_tenant(
            slug, name, owner_email, owner_name=owner_name, timezone=timezone, state=state
        )
    except ProvisioningError as exc:
        raise click.ClickException(str(exc)) from None
    if plan_id is not None:
        accounts.choose_plan(made.tenant.id, plan_id, "cli")
        accounts.subscribe_later(made.tenant.id)
        click.echo(f"On the {plan} plan; a worker opens its Stripe subscription.")
    with bound(made.tenant, db.session):
        link = set_password_url(made.tenant, made.owner_id)
    click.echo(f"Created {made.tenant.name} ({made.tenant.slug}) in schema {made.tenant.schema}.")
    click.echo(
        f"Owner {made.owner_email} sets a password here (link valid "
        f"{current_app.config['PASSWORD_LINK_HOURS']} h, single use):\n  {link}"
    )


def _plan_id(name: str) -> int:
    """The id of the plan offered under `name`, or a refusal naming the ones offered."""
    plan = billing.plan_by_name(name)
    if plan is None or not plan.active:
        offered = ", ".join(p.name for p in billing.active_plans()) or "none yet"
        raise click.ClickException(f"No plan {name!r} is offered (offered: {offered}).")
    return plan.id


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
    names = upgrades.schemas(only)
    if not names:
        click.echo("No agencies to migrate.")
        return
    with click.progressbar(length=len(names), label="Migrating tenants") as bar:
        migrated = upgrades.migrate_all(
            names, workers, on_done=lambda _: bar.update(1), every_agency=not only
        )
    counts = migrated.counts
    click.echo(
        f"{counts['upgraded']} upgraded, {counts['skipped']} already at head, "
        f"{counts['failed']} failed."
    )
    for outcome in migrated.failures:
        click.echo(f"FAILED {outcome.schema}: {outcome.error}", err=True)
    if migrated.spares_made:
        click.echo(f"{migrated.spares_made} spare schemas made at head.")
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


def _act(service, slug: str, *args) -> None:
    """Call a lifecycle service for the agency `slug`; a refusal becomes the command's error."""
    try:
        service(lifecycle.find_by_slug(slug).id, *args)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


reason_option = click.option("--reason", required=True, help="Why (kept in the audit log).")


@tenants_cli.command("suspend")
@click.argument("slug")
@reason_option
def suspend_command(slug, reason):
    """Suspend an agency: staff see 'account suspended'; reminders and the portal go on."""
    _act(lifecycle.suspend, slug, reason)
    click.echo(f"{slug} is now suspended.")


@tenants_cli.command("activate")
@click.argument("slug")
@reason_option
def activate_command(slug, reason):
    """Reactivate a suspended agency, or open a restored one."""
    _act(lifecycle.reactivate, slug, reason)
    click.echo(f"{slug} is now active.")


@tenants_cli.command("delete")
@click.argument("slug")
@reason_option
@click.option("--confirm", required=True, help="The agency's subdomain again, to confirm.")
def delete_command(slug, reason, confirm):
    """Close an agency now and purge it after a 30-day grace (undo with `undelete`)."""
    _act(lifecycle.schedule_deletion, slug, reason, confirm)
    purge_after = lifecycle.find_by_slug(slug).purge_after
    click.echo(f"{slug} is closed and will be purged after {purge_after:%Y-%m-%d %H:%M} UTC.")


@tenants_cli.command("undelete")
@click.argument("slug")
@reason_option
def undelete_command(slug, reason):
    """Undo a pending deletion: the agency gets back the status it had."""
    _act(lifecycle.undo_deletion, slug, reason)
    click.echo(f"{slug} is {lifecycle.find_by_slug(slug).status} again.")


@tenants_cli.command("hold")
@click.argument("slug")
@reason_option
def hold_command(slug, reason):
    """Put an agency under legal hold: it is never purged while held."""
    _act(lifecycle.set_legal_hold, slug, reason)
    click.echo(f"{slug} is under legal hold.")


@tenants_cli.command("release")
@click.argument("slug")
@reason_option
def release_command(slug, reason):
    """Release an agency's legal hold."""
    _act(lifecycle.release_legal_hold, slug, reason)
    click.echo(f"{slug} is no longer under legal hold.")


@tenants_cli.command("purge-due")
def purge_due_command():
    """Purge every agency past its deletion grace now (the scheduler does this daily)."""
    outcome = purge_due(actor="cli")
    for slug in outcome["purged"]:
        click.echo(f"purged {slug}")
    for slug in outcome["held"]:
        click.echo(f"kept {slug}: under legal hold")
    for slug in outcome["failed"]:
        click.echo(f"FAILED {slug}: see the log; tried again tomorrow", err=True)
    if not any(outcome.values()):
        click.echo("No agency is due for purging.")
    if outcome["failed"]:
        raise SystemExit(1)


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
    click.echo(f"Restored as {made.name} ({made.slug}) in schema {made.schema}, closed.")
    click.echo(f"Activate it when the original no longer runs: flask tenants activate {made.slug}")


def init_app(app: Flask) -> None:
    """Register the tenants command group."""
    app.cli.add_command(tenants_cli)
