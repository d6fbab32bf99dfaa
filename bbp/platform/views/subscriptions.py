"""The console's subscription control: put an agency without a plan on one, move an agency to
another plan, or to its plan's current price (existing subscribers keep theirs until moved
explicitly)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from bbp.billing import changes, services
from bbp.extensions import db
from bbp.platform import bp, lifecycle
from bbp.platform.roles import admin_required
from bbp.platform.views.agencies import show_agency
from bbp.web.refusals import refused


@bp.app_template_global()
def plans_to_move_to(account) -> list:
    """The plans the console may move an agency's subscription to."""
    if account is None or not account.stripe_subscription_id:
        return []
    return [] if account.subscription_status in changes.ENDED else changes.plan_choices(account)


@bp.app_template_global()
def plans_to_start() -> list:
    """The plans the console may put an agency without one on."""
    return services.active_plans()


@bp.post("/agencies/<int:tenant_id>/billing/start")
@admin_required("superadmin")
def start_plan(tenant_id: int):
    """Put an agency that has no plan (or whose subscription ended) on one."""
    return _on_plan(
        tenant_id,
        lambda plan_id, actor: changes.start_plan(tenant_id, plan_id, actor),
        lambda started: f"The agency is on {started.name}; its subscription opens in a moment.",
    )


@bp.post("/agencies/<int:tenant_id>/billing/plan")
@admin_required("superadmin")
def move_plan(tenant_id: int):
    """Move the agency's subscription to a plan's current price, prorated from now."""
    return _on_plan(
        tenant_id,
        lambda plan_id, actor: changes.change_plan(tenant_id, plan_id, actor, source="console"),
        lambda _: "The agency's subscription is moved; the difference is on its next invoice.",
    )


def _on_plan(tenant_id: int, act: Callable, done: Callable):
    """Run a plan action for the agency page: a refusal beside its plan select, else back."""
    with refused() as refusal:
        slug = lifecycle.find(tenant_id).slug
    if refusal:
        abort(404, description=refusal.message)
    admin = current_user._get_current_object()
    with refused(flashed=False) as refusal:
        result = act(request.form.get("plan_id"), changes.admin_actor(admin))
    db.session.add(admin)  # the agency's binding closed the session: the page reads it again
    if refusal:
        return show_agency(slug, status=refusal.status, plan_error=refusal.message)
    flash(done(result), "success")
    return redirect(url_for("platform.agency", slug=slug) + "#billing", 303)
