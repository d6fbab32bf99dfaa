"""Dashboard shell: the team at a glance and the latest activity."""

from __future__ import annotations

from bbp.auth.roles import staff_required
from bbp.dashboard import bp
from bbp.dashboard.services import summary
from bbp.rendering import render


@bp.get("/")
@staff_required
def index():
    """The agency's home page after sign-in."""
    return render("dashboard/index.html", summary=summary())
