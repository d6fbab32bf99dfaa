"""The console's agencies: the list (search, filters, sorts) and one agency's page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from bbp.billing import accounts, dunning, revenue, services, standing
from bbp.billing.forms import CompForm, TrialForm
from bbp.platform import agencies, bp
from bbp.platform.forms import DomainForm
from bbp.platform.roles import admin_required
from bbp.platform.views.archives import section_context
from bbp.platform.zones import STATES, zone_label
from bbp.tenancy.models import TENANT_STATUSES
from bbp.web.refusals import refused
from bbp.web.rendering import render, requested_page, wants_partial

PER_PAGE = 25


def _one_of(name: str, allowed) -> str:
    """A filter's value from the query string, or "" when it is not one we offer."""
    value = request.args.get(name, "")
    return value if value in allowed else ""


@bp.get("/")
@admin_required()
def console():
    """Revenue and who is behind on payment, then every agency, searchable as you type,
    filtered by status, billing standing, plan and state, sorted."""
    args = {
        "q": request.args.get("q", "").strip().lower(),
        "status": _one_of("status", TENANT_STATUSES),
        "state": _one_of("state", STATES),
        "sort": _one_of("sort", agencies.SORTS) or "name",
        "billing": _one_of("billing", dunning.STATES),
        "plan": request.args.get("plan", "").strip(),
    }
    page = agencies.page_of(agencies.listing(**args), requested_page(), PER_PAGE)
    front = {} if wants_partial() else _front_page()
    return render(
        "platform/console.html",
        "platform/_rows.html",
        page=page,
        statuses=TENANT_STATUSES,
        billing_states=dunning.STATE_LABELS,
        plans=services.plans(),
        **front,
        states=STATES,
        sorts=agencies.SORT_LABELS,
        status_filter=args.pop("status"),  # `status` is the response's, in render()
        **args,
    )


def _front_page() -> dict:
    """The figures above the list: MRR, the trial pipeline, plan mix and past-due agencies."""
    return {"revenue": revenue.revenue(), "past_due": revenue.past_due()}


def show_agency(slug: str, status: int = 200, **context):
    """Render an agency's page (also after a refused domain change, with its message)."""
    found = agencies.overview(slug)
    if found is None:
        abort(404, description="No agency has this subdomain.")
    context.setdefault("domain_form", DomainForm())
    context.setdefault("archive_section", section_context(found.tenant))
    billing = context.setdefault("billing", accounts.account_of(found.tenant.id))
    context.setdefault("billing_texts", standing.texts_this_period(found.tenant, billing))
    context.setdefault("billing_balance", standing.balance(billing))
    context.setdefault("trial_form", TrialForm(formdata=None))
    context.setdefault("comp_form", CompForm(formdata=None))
    zone = zone_label(found.tenant.timezone)
    return render("platform/agency.html", view=found, zone=zone, status=status, **context)


@bp.get("/agencies/<slug>")
@admin_required()
def agency(slug: str):
    """One agency: hostnames, counts and sizes, migration revision, history."""
    return show_agency(slug)


@bp.post("/agencies/<slug>/usage")
@admin_required("superadmin", "support")
def refresh_usage(slug: str):
    """Measure the agency's usage now instead of at the next hourly snapshot."""
    with refused() as refusal:
        agencies.refresh_usage(slug)
        flash("Usage measured just now.", "success")
    if refusal and refusal.status == 404:
        abort(404, description=refusal.message)
    return redirect(url_for("platform.agency", slug=slug))
