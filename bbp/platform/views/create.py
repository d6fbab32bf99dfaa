"""Create an agency from the console, with a live check of the subdomain as it is typed."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from bbp.billing.services import plan_choices
from bbp.platform import agencies, bp
from bbp.platform.forms import SLUG_HINT, AgencyForm
from bbp.platform.roles import admin_required
from bbp.tenancy.hosts import bare_host
from bbp.web.refusals import refused
from bbp.web.rendering import render


def _agency_form() -> AgencyForm:
    form = AgencyForm()
    form.plan_id.choices = plan_choices()
    return form


def _form_page(form: AgencyForm, status: int = 200):
    domain = bare_host(current_app.config["BBP_DOMAIN"])
    return render("platform/new.html", form=form, hint=SLUG_HINT, domain=domain, status=status)


@bp.get("/new-agency")
@admin_required("superadmin")
def new_agency():
    """The new-agency form."""
    return _form_page(_agency_form())


@bp.post("/new-agency")
@admin_required("superadmin")
def new_agency_post():
    """Create the agency and invite its owner; a refusal keeps what was typed."""
    form = _agency_form()
    if form.validate_on_submit():
        with refused(form):
            made = agencies.create_agency(form.data, current_user)
            flash(f"{made.tenant.name} is created; its owner has an invitation email.", "success")
            return redirect(url_for("platform.agency", slug=made.tenant.slug))
    return _form_page(form, status=422)


@bp.get("/new-agency/slug")
@admin_required("superadmin")
def slug_check():
    """The live answer beside the subdomain field: free, or why not."""
    slug = request.args.get("slug", "").strip().lower()
    problem = agencies.slug_problem(slug) if slug else None
    domain = bare_host(current_app.config["BBP_DOMAIN"])
    return render(
        "platform/_slug_check.html", slug=slug, problem=problem, domain=domain, hint=SLUG_HINT
    )
