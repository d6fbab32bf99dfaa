"""The console's agencies: the list, searchable as you type."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from bbp.kernel import search
from bbp.platform import bp
from bbp.platform.roles import admin_required
from bbp.tenancy.models import Tenant
from bbp.web.rendering import paginate, render

PER_PAGE = 25


@bp.get("/")
@admin_required()
def console():
    """Every agency, searchable as you type."""
    q = request.args.get("q", "").strip().lower()
    query = select(Tenant).order_by(Tenant.name)
    if q:
        query = query.where(search.contains(q, Tenant.slug, Tenant.name))
    page = paginate(query, PER_PAGE)
    return render("platform/console.html", "platform/_rows.html", page=page, q=q)
