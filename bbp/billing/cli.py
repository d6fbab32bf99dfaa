"""`flask billing reconcile`: compare the texts we reported with Stripe's meter summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from bbp.billing import reconcile
from bbp.kernel.clock import utcnow

billing_cli = AppGroup("billing", help="Platform billing: metered texts and Stripe.")


def _month(value: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-11", param_hint="--period") from None
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, following


def _window(period, since, until, now: datetime) -> tuple[datetime, datetime]:
    """The UTC window to compare: a month, two dates, or (by default) the current month."""
    if period and (since or until):
        raise click.UsageError("give --period or --since/--until, not both")
    if since or until:
        if not (since and until):
            raise click.UsageError("--since and --until go together")
        start, end = (moment.replace(tzinfo=UTC) for moment in (since, until))
        if end <= start:
            raise click.BadParameter("must be after --since", param_hint="--until")
        return start, end
    return _month(period or f"{now:%Y-%m}")


@billing_cli.command("reconcile")
@click.option("--period", help="A calendar month in UTC, YYYY-MM (default: this month).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC), YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Day after the last (UTC).")
@click.option("--agency", "slug", help="One agency's slug (default: every metered agency).")
def reconcile_command(period, since, until, slug):
    """Compare our ledger of reported texts with Stripe's meter event summaries; exits 1 when
    they differ or when usage was never reported."""
    now = utcnow()
    start, end = _window(period, since, until, now)
    standings = reconcile.compare(start, end, now, slug)
    if slug and not standings:
        raise click.ClickException(f"No metered agency {slug}.")
    for standing in standings:
        for line in reconcile.describe(standing):
            click.echo(line)
    troubled = [s for s in standings if not s.clean]
    click.echo(
        f"{len(standings)} agencies, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: "
        + (f"{len(troubled)} need attention." if troubled else "our counts and Stripe's agree.")
    )
    if troubled:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Add `flask billing ...` to the app's commands."""
    app.cli.add_command(billing_cli)
