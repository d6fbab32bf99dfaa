"""Intake step 4: the premium, the payment plan and its schedule, worked out as the agent types."""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, request, url_for

from bbp.auth.roles import role_required
from bbp.bonds import bp, queries, services
from bbp.bonds.forms import PlanForm
from bbp.bonds.views.steps import ID, Preview, render_step
from bbp.kernel.clock import agency_today
from bbp.kernel.errors import DomainError
from bbp.web.refusals import refused


@bp.get(f"/{ID}/premium")
@role_required("agent")
def premium(bond_id: int):
    """Step 4: the premium breakdown and the payment plan."""
    bond = queries.get(bond_id)
    plan = queries.plan_of(bond)
    form = PlanForm(obj=plan) if plan else PlanForm(first_due=agency_today() + timedelta(days=30))
    if plan:
        form.count.data = len(plan.instalments) or 1
        form.first_due.data = plan.instalments[0].due_on if plan.instalments else None
    preview = Preview.of(plan) or _preview(bond, form)
    return render_step("premium.html", bond, "premium", form=form, plan=plan, preview=preview)


@bp.get(f"/{ID}/premium/schedule")
@role_required("agent")
def plan_schedule(bond_id: int):
    """The schedule the typed plan makes: a fragment for htmx, the whole step otherwise."""
    bond = queries.get(bond_id)
    form = PlanForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    preview = _preview(bond, form)
    return render_step(
        "premium.html",
        bond,
        "premium",
        status=422 if preview.problem else 200,
        partial="bonds/intake/_schedule.html",
        form=form,
        plan=queries.plan_of(bond),
        preview=preview,
    )


def _preview(bond, form: PlanForm) -> Preview:
    """The installments the plan form's values make, or what stops them being worked out."""
    problems = [message for messages in form.errors.values() for message in messages]
    if problems:
        return Preview(problem=problems[0])
    if form.down_payment.data is None:
        return Preview(problem="Enter the down payment to see each installment.")
    try:
        rows = services.plan_schedule(
            bond,
            form.down_payment.data,
            form.count.data or 1,
            form.frequency.data,
            form.first_due.data or agency_today(),
        )
    except DomainError as exc:
        return Preview(problem=exc.message)
    return Preview(down_payment=form.down_payment.data, rows=rows)


@bp.post(f"/{ID}/premium")
@role_required("agent")
def save_plan(bond_id: int):
    """Save the payment plan."""
    bond = queries.get(bond_id)
    form = PlanForm()
    if form.validate_on_submit():
        with refused(form):
            services.save_plan(
                bond,
                form.down_payment.data,
                form.count.data or 1,
                form.frequency.data,
                form.first_due.data or agency_today(),
            )
            return redirect(url_for("bonds.review", bond_id=bond.id))
    return render_step(
        "premium.html",
        bond,
        "premium",
        form=form,
        plan=queries.plan_of(bond),
        preview=_preview(bond, form),
        status=422,
    )
