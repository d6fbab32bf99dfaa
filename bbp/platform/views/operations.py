"""Console operations: system health, and migrating every agency with a live progress bar."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.platform import bp, migration_runs, system, upgrades
from bbp.platform.roles import admin_required
from bbp.tenancy.models import Tenant
from bbp.web.rendering import paginate, render, wants_partial

PER_PAGE = 25


@bp.get("/operations/")
@admin_required()
def health():
    """Database, Redis, workers, scheduler and schemas, each on its own: one down shows as down."""
    return render("platform/operations/health.html", health=system.health())


@bp.get("/operations/migrations")
@admin_required("superadmin", "support")
def migrations():
    """Each agency's revision against head, and the last or running migration run (alone for
    the progress bar's polling)."""
    run = migration_runs.current()
    if wants_partial():
        return render("platform/operations/_run.html", run=run)
    behind = upgrades.behind()
    only_behind = request.args.get("behind") == "1"
    query = select(Tenant).where(Tenant.status != "purged").order_by(Tenant.slug)
    if only_behind:
        query = query.where(Tenant.slug.in_(behind))
    page = paginate(query, PER_PAGE)
    return render(
        "platform/operations/migrations.html",
        run=run,
        page=page,
        standings=upgrades.standings(page.items),
        behind=len(behind),
        only_behind=only_behind,
    )


@bp.post("/operations/migrations")
@admin_required("superadmin")
def migrate():
    """Start a run over every agency, or show the one already running."""
    _, started = migration_runs.start(current_user)
    if started:
        flash("Migrating every agency: the progress bar below follows the run.", "success")
    else:
        flash("A migration run is already going: here is its progress.", "info")
    return redirect(url_for("platform.migrations"))
