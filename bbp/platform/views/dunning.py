"""The console's dunning controls: simulate a failed payment or a recovery (no Stripe key)."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user

from bbp.billing import dunning, simulation
from bbp.platform import bp, lifecycle
from bbp.platform.roles import admin_required
from bbp.web.rendering import render, wants_partial


@bp.app_template_global()
def dunning_of(tenant_id: int):
    """The agency's dunning row for the console's partial (None: never missed a payment)."""
    return dunning.find(tenant_id)


@bp.app_template_global()
def dunning_simulated() -> bool:
    """Whether the console offers simulated payments (no Stripe key configured)."""
    return not dunning.stripe_configured()


def _simulate(tenant_id: int, outcome: str):
    if dunning.stripe_configured():
        abort(404)
    tenant = lifecycle.find(tenant_id)
    simulation.simulate(tenant_id, outcome, current_user)
    if wants_partial():
        return render("platform/_dunning.html", agency=lifecycle.find(tenant_id))
    return redirect(url_for("platform.agency", slug=tenant.slug) + "#dunning")


@bp.post("/agencies/<int:tenant_id>/billing/simulate-failure")
@admin_required("superadmin")
def simulate_failure(tenant_id: int):
    """Development: act as if the agency's payment failed (the same service Stripe will call)."""
    return _simulate(tenant_id, "failure")


@bp.post("/agencies/<int:tenant_id>/billing/simulate-recovery")
@admin_required("superadmin")
def simulate_recovery(tenant_id: int):
    """Development: act as if the agency paid."""
    return _simulate(tenant_id, "recovery")
