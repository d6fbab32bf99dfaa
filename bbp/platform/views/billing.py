"""The agency page's billing actions: extend a trial and comp free months (superadmins only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_login import current_user

from bbp.billing import comps
from bbp.billing.forms import CompForm, TrialForm
from bbp.kernel.clock import utcnow
from bbp.platform import bp, lifecycle
from bbp.platform.roles import admin_required
from bbp.platform.views.agencies import show_agency
from bbp.web.refusals import refused


@bp.app_template_global()
def billing_now():
    """The app clock's now, for the billing section's "ended" marks."""
    return utcnow()


def _act(tenant_id: int, form, name: str, call: Callable[[], bool], done: str, again: str):
    """Validate, call the service, then back to the page's billing section; a refusal shows
    beside its field on the page (422, or Stripe's 502/503), keeping what was typed."""
    slug = lifecycle.find(tenant_id).slug
    status = 422
    if form.validate_on_submit():
        with refused(form) as refusal:
            flash(done if call() else again, "success")
            return redirect(url_for("platform.agency", slug=slug) + "#billing")
        status = refusal.status
    return show_agency(slug, status=status, **{name: form})


@bp.post("/agencies/<int:tenant_id>/billing/trial")
@admin_required("superadmin")
def extend_trial(tenant_id: int):
    """Let the agency's trial run to the chosen day (Stripe's trial_end), with a reason."""
    form = TrialForm()
    return _act(
        tenant_id,
        form,
        "trial_form",
        lambda: comps.extend_trial(tenant_id, form.until.data, form.reason.data, current_user),
        "The trial is extended.",
        "The trial already ran to that day: nothing changed.",
    )


@bp.post("/agencies/<int:tenant_id>/billing/comp")
@admin_required("superadmin")
def comp(tenant_id: int):
    """Give the agency free months (a 100%-off coupon on its subscription), with a reason."""
    form = CompForm()
    return _act(
        tenant_id,
        form,
        "comp_form",
        lambda: comps.comp(tenant_id, form.months.data, form.reason.data, current_user),
        "The free months are applied.",
        "Those free months were already applied today: nothing changed.",
    )
