"""The agency's audit log, newest first, filterable by action."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from bbp.audit import bp
from bbp.audit.models import AuditEntry
from bbp.auth.roles import role_required
from bbp.rendering import paginate, render

PER_PAGE = 25


@bp.get("/")
@role_required("admin")
def index():
    """The audit log, newest first, filtered by action prefix as you type."""
    action = request.args.get("action", "").strip()
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    page = paginate(query, PER_PAGE)
    return render("audit/index.html", "audit/_rows.html", page=page, action=action)
