"""The console's plans: superadmins create and change them; finance and support read them."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from bbp.billing import services
from bbp.billing.forms import PlanForm
from bbp.billing.models import Plan
from bbp.extensions import db
from bbp.merchant import fees
from bbp.merchant.forms import FeeForm
from bbp.platform import bp
from bbp.platform.roles import admin_required
from bbp.web.refusals import refused
from bbp.web.rendering import render


@bp.get("/plans")
@admin_required()
def plans():
    """Every plan with its price, what it includes and its current Stripe price."""
    return render(
        "platform/plans.html",
        plans=services.plans(),
        overage_label=services.overage_label,
        fee_label=fees.label,
    )


@bp.get("/plans/new")
@admin_required("superadmin")
def new_plan():
    """The new-plan form."""
    return render("platform/plan_form.html", form=PlanForm(), plan=None)


@bp.post("/plans/new")
@admin_required("superadmin")
def new_plan_post():
    """Create the plan with its Stripe Product and Price; a refusal keeps what was typed."""
    form = PlanForm()
    if form.validate_on_submit():
        with refused(form):
            plan = services.create_plan(form.plan_fields(), current_user)
            flash(f"The {plan.name} plan is created.", "success")
            return redirect(url_for("platform.plans"))
    return render("platform/plan_form.html", form=form, plan=None, status=422)


def _plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        abort(404, description="No such plan.")
    return plan


@bp.get("/plans/<int:plan_id>")
@admin_required("superadmin")
def edit_plan(plan_id: int):
    """The plan's form, filled in."""
    return _filled(PlanForm, "platform/plan_form.html", plan_id)


@bp.post("/plans/<int:plan_id>")
@admin_required("superadmin")
def edit_plan_post(plan_id: int):
    """Save the plan; a new price becomes a new Stripe Price (subscribers keep theirs)."""
    plan, form = _plan(plan_id), PlanForm()
    return _submitted(
        form,
        "platform/plan_form.html",
        plan,
        save=lambda: services.update_plan(plan.id, form.plan_fields(), current_user),
        done="The plan is saved. Agencies already on it keep their price.",
    )


@bp.get("/plans/<int:plan_id>/fee")
@admin_required("superadmin")
def plan_fee(plan_id: int):
    """The platform's fee on online payments of agencies on the plan, filled in."""
    return _filled(FeeForm, "platform/plan_fee.html", plan_id)


@bp.post("/plans/<int:plan_id>/fee")
@admin_required("superadmin")
def plan_fee_post(plan_id: int):
    """Save the plan's fee for payments from now on (in the platform audit log)."""
    plan, form = _plan(plan_id), FeeForm()
    return _submitted(
        form,
        "platform/plan_fee.html",
        plan,
        save=lambda: fees.set_fee(plan.id, form.basis_points(), form.fixed_cents(), current_user),
        done=f"The {plan.name} plan's platform fee is saved.",
    )


def _filled(form_class: type[FlaskForm], template: str, plan_id: int):
    """A form about one plan (the plan itself, or its fee), showing what the plan holds."""
    plan = _plan(plan_id)
    form = form_class()
    form.show(plan)
    return render(template, form=form, plan=plan)


def _submitted(
    form: FlaskForm, template: str, plan: Plan, *, save: Callable[[], object], done: str
):
    """Save a valid form (the service audits it) and go back to the plans saying `done`; else,
    or when the service refuses, the form again as typed, with a 422."""
    if form.validate_on_submit():
        with refused(form):
            save()
            flash(done, "success")
            return redirect(url_for("platform.plans"))
    return render(template, form=form, plan=plan, status=422)
