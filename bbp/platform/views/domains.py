"""An agency's custom domains: add (pending), verify through DNS, remove."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.extensions import db
from bbp.platform import bp, domains
from bbp.platform.forms import DomainForm
from bbp.platform.roles import admin_required
from bbp.platform.views.agencies import show_agency
from bbp.tenancy.models import Tenant
from bbp.web.refusals import refused


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404, description="No agency has this subdomain.")
    return tenant


def _domain(tenant: Tenant, domain_id: int):
    domain = domains.find(tenant, domain_id)
    if domain is None:
        abort(404, description="This agency has no such domain.")
    return domain


@bp.post("/agencies/<slug>/domains")
@admin_required("superadmin")
def add_domain(slug: str):
    """Add a custom domain, pending until its TXT record is verified."""
    tenant, form = _tenant(slug), DomainForm()
    if form.validate_on_submit():
        with refused(form):
            domain = domains.add(tenant, form.hostname.data, current_user)
            flash(f"{domain.hostname} added: publish its TXT record, then verify.", "success")
            return redirect(url_for("platform.agency", slug=slug, _anchor="hostnames"))
    return show_agency(slug, status=422, domain_form=form)


@bp.post("/agencies/<slug>/domains/<int(max=2147483647):domain_id>/verify")
@admin_required("superadmin")
def verify_domain(slug: str, domain_id: int):
    """Look the domain's TXT record up and verify it, or say what DNS shows."""
    tenant = _tenant(slug)
    domain = _domain(tenant, domain_id)
    with refused(flashed=False) as refusal:
        domains.verify(tenant, domain, current_user)
        flash(f"{domain.hostname} is verified and now opens this agency.", "success")
        return redirect(url_for("platform.agency", slug=slug, _anchor="hostnames"))
    return show_agency(slug, status=refusal.status, domain_error=(domain_id, refusal.message))


@bp.post("/agencies/<slug>/domains/<int(max=2147483647):domain_id>/remove")
@admin_required("superadmin")
def remove_domain(slug: str, domain_id: int):
    """Stop a custom domain opening the agency."""
    tenant = _tenant(slug)
    domain = _domain(tenant, domain_id)
    with refused():
        hostname = domain.hostname
        domains.remove(tenant, domain, current_user)
        flash(f"{hostname} no longer opens this agency.", "success")
    return redirect(url_for("platform.agency", slug=slug, _anchor="hostnames"))
