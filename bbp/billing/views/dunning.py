"""The agency's billing page on its own host: what is due, while Stripe billing is built."""

from __future__ import annotations

from flask import Blueprint

from bbp.auth.roles import role_required
from bbp.billing import dunning
from bbp.tenancy import require_tenant
from bbp.web.rendering import render

bp = Blueprint("dunning", __name__, url_prefix="/billing")


@bp.get("/")
@role_required("admin")
def due():
    """The agency's payment standing, its dates, and what each next state would refuse."""
    agency = require_tenant()
    return render(
        "billing/due.html",
        standing=dunning.find(agency.id),
        grace=dunning.grace(),
        suspend_after=dunning.suspend_after(),
    )
