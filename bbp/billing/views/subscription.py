"""The owner's changes to the subscription: another plan, the card (Stripe's portal), and
cancelling at the period's end or keeping it."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.billing import changes
from bbp.billing.forms import PlanChangeForm
from bbp.billing.views.dunning import bp, render_due, start_form
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render


def _account():
    """The agency's subscribed billing row, or 404 while it has none."""
    with refused(flashed=False) as refusal:
        return changes.subscribed(require_tenant().id)
    abort(refusal.status, description=refusal.message)


@bp.get("/plan")
@role_required("owner")
def change_plan():
    """Choose another plan; with one chosen, what changes and Stripe's proration preview."""
    account = _account()
    form = PlanChangeForm(request.args, meta={"csrf": False}).offer(changes.plan_choices(account))
    preview, status = None, 200
    if form.plan_id.data:
        with refused(form) as refusal:
            preview = changes.preview_change(account.tenant_id, form.plan_id.data)
            form.preview_token.data = preview.token
        status = refusal.status if refusal else 200
    return render(
        "billing/change.html",
        "billing/_change.html",
        form=form,
        account=account,
        preview=preview,
        status=status,
    )


@bp.post("/plan")
@role_required("owner")
def change_plan_post():
    """Move to the previewed plan, prorated from the previewed moment."""
    account = _account()
    form = PlanChangeForm().offer(changes.plan_choices(account))
    status = 422
    if form.validate_on_submit():
        with refused(form) as refusal:
            changes.change_plan(
                account.tenant_id,
                form.plan_id.data,
                changes.owner_actor(current_user),
                source="owner",
                proration_date=form.preview_token.data,
            )
            flash("Your plan is changed. The difference is on your next invoice.", "success")
            return redirect(url_for("dunning.due"), 303)
        status = refusal.status
    account = _account()
    return render("billing/change.html", form=form, account=account, preview=None, status=status)


@bp.post("/start")
@role_required("owner")
def start_plan():
    """Put the agency on its first plan; the trial starts when its subscription opens."""
    form = start_form()
    if form.validate_on_submit():
        with refused(form) as refusal:
            plan = changes.start_plan(
                require_tenant().id, form.plan_id.data, changes.owner_actor(current_user)
            )
            trial = f"your {plan.trial_days}-day free trial starts now" if plan.trial_days else ""
            flash(f"Your agency is on {plan.name}{': ' + trial if trial else ''}.", "success")
            return redirect(url_for("dunning.due"), 303)
        return render_due(start=form, status=refusal.status)
    return render_due(start=form, status=422)


@bp.post("/card")
@role_required("owner")
def update_card():
    """Send the owner to Stripe's customer portal to update the card, and back here after."""
    with refused():
        url = changes.portal_url(require_tenant().id, url_for("dunning.due", _external=True))
        return redirect(url, 303)
    return redirect(url_for("dunning.due"), 303)


@bp.get("/cancel")
@role_required("owner")
def cancel():
    """The cancellation's confirm step, with the date the subscription ends."""
    account = _account()
    return render("billing/cancel.html", account=account, ends=changes.period_end(account))


@bp.post("/cancel")
@role_required("owner")
def cancel_post():
    """End the subscription when its current period ends."""
    return _set_cancel(True, "Your subscription ends when this period ends.")


@bp.post("/keep")
@role_required("owner")
def keep():
    """Undo the cancellation: the subscription renews as before."""
    return _set_cancel(False, "Your subscription continues; it renews as before.")


def _set_cancel(cancel: bool, done: str):
    with refused():
        changes.set_cancel_at_period_end(
            require_tenant().id, cancel, changes.owner_actor(current_user)
        )
        flash(done, "success")
    return redirect(url_for("dunning.due"), 303)
