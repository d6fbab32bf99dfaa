"""The console's support access: ask an agency, list your requests, open the workspace, end."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.platform import bp
from bbp.platform.roles import admin_required
from bbp.platform.support.forms import AskAnyForm, AskForm
from bbp.platform.support.models import SupportGrant
from bbp.platform.support.services import LINK_LIFETIME, ask, end_by_admin, entry_link
from bbp.tenancy.models import Tenant
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render

PER_PAGE = 25
ASKERS = ("superadmin", "support")
LINK_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)


def _mine():
    return (
        select(SupportGrant)
        .where(SupportGrant.admin_id == current_user.id)
        .order_by(SupportGrant.requested_at.desc(), SupportGrant.id.desc())
    )


def _index(form: AskAnyForm, status: int = 200):
    page = paginate(_mine(), PER_PAGE)
    names = _names({grant.tenant_id for grant in page.items})
    return render("platform/support.html", page=page, names=names, form=form, status=status)


def _names(ids: set[int]) -> dict[int, Tenant]:
    rows = db.session.scalars(select(Tenant).where(Tenant.id.in_(ids))) if ids else []
    return {tenant.id: tenant for tenant in rows}


@bp.get("/support")
@admin_required(*ASKERS)
def support():
    """Your support requests and grants, newest first, and a form to ask an agency."""
    return _index(AskAnyForm())


@bp.post("/support")
@admin_required(*ASKERS)
def support_ask():
    """Ask an agency named by its subdomain for access."""
    form = AskAnyForm()
    if form.validate_on_submit():
        slug = form.agency.data.strip().lower()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            form.agency.errors.append("No agency has this subdomain.")
        else:
            with refused(form):
                grant = ask(current_user, tenant.id, form.reason.data, form.minutes.data)
                flash(_asked(grant), "success")
                return redirect(url_for("platform.support"))
    return _index(form, status=422)


@bp.get("/support/agencies/<int:tenant_id>")
@admin_required(*ASKERS)
def support_agency(tenant_id: int):
    """One agency's support panel on its own (the agency page includes the same partial)."""
    tenant = db.get_or_404(Tenant, tenant_id)
    return render("platform/support_agency.html", tenant=tenant, support_form=AskForm())


@bp.post("/support/agencies/<int:tenant_id>")
@admin_required(*ASKERS)
def support_agency_ask(tenant_id: int):
    """Ask this agency's owner for access."""
    tenant = db.get_or_404(Tenant, tenant_id)
    form = AskForm()
    if form.validate_on_submit():
        with refused(form):
            grant = ask(current_user, tenant.id, form.reason.data, form.minutes.data)
            flash(_asked(grant), "success")
            return redirect(url_for("platform.support"))
    return render("platform/support_agency.html", tenant=tenant, support_form=form, status=422)


def _asked(grant: SupportGrant) -> str:
    if grant.status == "approved":
        return "Access granted at once: this agency allows support without approval."
    return "Request sent. The agency's owner has been emailed to approve or deny it."


@bp.post("/support/<int:grant_id>/open")
@admin_required(*ASKERS)
def support_open(grant_id: int):
    """A single-use, two-minute link to the agency's host (a link: the CSP's form-action keeps
    forms, and the redirects they get, on this host)."""
    try:
        link, grant = entry_link(current_user, grant_id)
        return render("platform/support_open.html", link=link, grant=grant, minutes=LINK_MINUTES)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("platform.support"))


@bp.post("/support/<int:grant_id>/end")
@admin_required(*ASKERS)
def support_end(grant_id: int):
    """Withdraw a request or end open access."""
    with refused():
        end_by_admin(current_user, grant_id)
        flash("Support access ended.", "success")
    return redirect(url_for("platform.support"))
