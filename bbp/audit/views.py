"""The agency's audit log, newest first, in sentences, filterable by area."""

from __future__ import annotations

from flask import request

from bbp.audit import bp, log
from bbp.audit.describe import AGENCY_AREAS
from bbp.auth.roles import role_required
from bbp.web.rendering import render

PER_PAGE = 25


@bp.get("/")
@role_required("admin")
def index():
    """The audit log, newest first, filtered by area (an action prefix) as you choose."""
    action = request.args.get("action", "").strip()
    page, lines = log.page(action, PER_PAGE)
    return render(
        "audit/index.html",
        "audit/_rows.html",
        page=page,
        lines=lines,
        action=action,
        areas=AGENCY_AREAS,
    )
