"""The owner's billing page on the agency's host: the standing, the plan, seats, texts and
invoices (bbp/billing/views/subscription.py holds the changes made from it)."""

from __future__ import annotations

from flask import Blueprint

from bbp.auth.roles import role_required
from bbp.billing import dunning, services, statement
from bbp.billing.forms import PlanStartForm
from bbp.billing.stripe_api import moment
from bbp.tenancy import require_tenant
from bbp.web.rendering import render

bp = Blueprint("dunning", __name__, url_prefix="/billing")


@bp.get("/")
@role_required("owner")
def due():
    """The agency's payment standing, its subscription, and its invoices (owners only)."""
    return render_due(start=start_form(formdata=None))


def start_form(**kwargs) -> PlanStartForm:
    """The first-plan form, offering the plans new agencies may start on."""
    return PlanStartForm(**kwargs).offer(services.active_plans())


def render_due(start: PlanStartForm, status: int = 200):
    """The billing page, with the first-plan form as given (its errors included)."""
    agency = require_tenant()
    return render(
        "billing/due.html",
        standing=dunning.find(agency.id),
        grace=dunning.grace(),
        suspend_after=dunning.suspend_after(),
        billing=statement.statement(agency.id),
        start=start,
        status=status,
    )


@bp.app_template_filter("stripe_moment")
def stripe_moment(stamp: int | None):
    """A Stripe timestamp as a datetime, for `localtime` to show in the agency's zone."""
    return moment(stamp)
