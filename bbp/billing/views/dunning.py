"""The owner's billing page on the agency's host: the standing, the plan, seats, texts and
invoices (bbp/billing/views/subscription.py holds the changes made from it)."""

from __future__ import annotations

from flask import Blueprint

from bbp.auth.roles import role_required
from bbp.billing import dunning, statement
from bbp.billing.stripe_api import moment
from bbp.tenancy import require_tenant
from bbp.web.rendering import render

bp = Blueprint("dunning", __name__, url_prefix="/billing")


@bp.get("/")
@role_required("owner")
def due():
    """The agency's payment standing, its subscription, and its invoices (owners only)."""
    agency = require_tenant()
    return render(
        "billing/due.html",
        standing=dunning.find(agency.id),
        grace=dunning.grace(),
        suspend_after=dunning.suspend_after(),
        billing=statement.statement(agency.id),
    )


@bp.app_template_filter("stripe_moment")
def stripe_moment(stamp: int | None):
    """A Stripe timestamp as a datetime, for `localtime` to show in the agency's zone."""
    return moment(stamp)
