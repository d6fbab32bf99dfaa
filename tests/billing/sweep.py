"""Shared pieces of the dunning URL-map sweeps: put an agency in a state, sign in, send a route."""

from __future__ import annotations

from datetime import timedelta

from bbp.billing import dunning
from bbp.billing.enforcement import defendant_facing
from bbp.kernel.clock import utcnow
from tests.routes import tenant_routes
from tests.support import Visitor, add_user, host_of

# How long ago a payment failed for the agency to be in each state now.
FAILED_DAYS_AGO = {"past_due": 1, "read_only": 20, "billing_suspended": 50}
DEFENDANT_ROUTES = [r for r in tenant_routes() if defendant_facing(r.endpoint)]
SUSPENDED_PAGE = "suspended for non-payment"


def put_in(app, agency, state: str) -> None:
    """Move the agency's dunning to `state` through the services, as a late-reported failure."""
    with app.app_context():
        dunning.payment_succeeded(agency.info.id)
        if state != "active":
            at = utcnow() - timedelta(days=FAILED_DAYS_AGO[state])
            assert dunning.payment_failed(agency.info.id, at) == state


def signed_in_owner(app, agency) -> Visitor:
    """A new owner of the agency, signed in (each test its own, so no route undoes another)."""
    user = add_user(app, agency.info, role="owner")
    visitor = Visitor(app.test_client(), host_of(agency.info))
    assert visitor.login(user.email).status_code == 302
    visitor.get("/dashboard/")
    return visitor


def send(visitor: Visitor, route, csrf: bool = True):
    """GET or POST the route with a plausible path and an empty form."""
    if route.method == "GET":
        return visitor.get(route.path())
    return visitor.post(route.path(), csrf=csrf)
