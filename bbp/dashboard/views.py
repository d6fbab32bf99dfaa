"""Dashboard: liability, money, court dates, forfeitures, collateral, activity."""

from __future__ import annotations

from bbp.auth.roles import staff_required
from bbp.dashboard import bp
from bbp.dashboard.figures import figures
from bbp.kernel.clock import agency_today
from bbp.web.heldpages import held
from bbp.web.rendering import render


@bp.get("/")
@staff_required
@held
def index():
    """The agency's home page after sign-in."""
    return render("dashboard/index.html", figures=figures(), today=agency_today())
