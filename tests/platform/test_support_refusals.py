"""What support access refuses: every change, every reveal and signature, other agencies,
other admins, and the finance role."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from bbp.auth.models import User
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.platform.models import PlatformAdmin
from bbp.platform.support import services
from bbp.platform.support.session import READ_ONLY
from bbp.tenancy import bound
from tests.platform.support_access import (
    REASON,
    agency_log,
    approve,
    ask,
    enter,
    entry_path,
    latest_grant,
    platform_log,
)
from tests.routes import protected_routes, tenant_routes

ALLOWED = {"support.end_session", "support.enter_post"}  # leave, or enter by a newer link


@pytest.fixture
def support(app, console_as, owner, tenant, visit):
    """A support session inside `tenant`, under a grant its owner approved."""
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    visitor = visit(tenant)
    enter(visitor, entry_path(console, grant.id)[1])
    visitor.get("/dashboard/")
    visitor.console = console
    return visitor


def test_every_post_is_refused_reveals_and_signing_included(app, tenant, support):
    posts = [r for r in tenant_routes() if r.method == "POST" and r.endpoint not in ALLOWED]
    assert {"defendants.reveal", "portal.sign_post", "signatures.send"} <= {
        r.endpoint for r in posts
    }
    for route in posts:
        for secret in ("ssn", "dl") if route.endpoint == "defendants.reveal" else ("ssn",):
            response = support.post(route.path(secret=secret), {})
            assert response.status_code == 403, route
            assert READ_ONLY in unescape(response.get_data(as_text=True)), route
    refused = [e for e in agency_log(app, tenant) if e.action == "support.refused"]
    assert len(refused) == len(posts) + 1
    assert any(e.after["page"] == "POST /defendants/1/reveal/ssn" for e in refused)
    assert len([e for e in platform_log(app, tenant) if e.action == "support.refused"]) == len(
        refused
    )
    assert not agency_log(app, tenant, "defendant.")  # nothing revealed, nothing changed
    assert support.get("/bonds/").status_code == 200  # refusals leave the session open
    swap = support.post("/defendants/1/reveal/ssn", {}, htmx=True)  # the reveal button's htmx
    assert swap.status_code == 403 and "<html" not in swap.get_data(as_text=True)
    assert READ_ONLY in unescape(swap.get_data(as_text=True))


def test_support_session_sees_viewer_pages_only_and_none_fails(tenant, support):
    for route in [r for r in protected_routes() if r.method == "GET"]:
        response = support.get(route.path())
        assert response.status_code < 500, route
        if route.required_role not in (None, "viewer"):
            assert response.status_code == 403, route


def test_owner_of_another_agency_neither_sees_nor_answers(
    app, console_as, tenant, other_tenant, visit
):
    ask(console_as("support"), tenant)
    grant = latest_grant(app, tenant)
    stranger = visit(other_tenant)
    stranger.login(other_tenant.owner_email)
    for path in ("/dashboard/", "/support-access/"):
        assert REASON not in stranger.get(path).get_data(as_text=True)
    for action in ("approve", "deny", "end"):
        assert stranger.post(f"/support-access/{grant.id}/{action}").status_code == 404
    assert latest_grant(app, tenant).status == "requested"


def test_a_grant_for_one_agency_does_not_open_another(
    app, console_as, owner, tenant, other_tenant, visit
):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    _, path = entry_path(console, grant.id)
    elsewhere = visit(other_tenant)
    assert elsewhere.get(path).status_code == 400
    elsewhere.get("/login")
    assert elsewhere.post(path).status_code == 400
    assert elsewhere.get("/bonds/").status_code == 302
    inside = visit(tenant)
    enter(inside, path)  # the same link still works once where it belongs
    replay = visit(other_tenant)
    replay.client.set_cookie("session", inside.session_cookie().value, domain=replay.host)
    assert replay.get("/bonds/").status_code == 302


def test_finance_cannot_ask_or_see_support_access(app, console_as, tenant):
    finance = console_as("finance")
    assert finance.get("/platform/support").status_code == 403
    assert finance.get(f"/platform/support/agencies/{tenant.info.id}").status_code == 403
    assert ask(finance, tenant).status_code == 403
    assert "Support access</a>" not in finance.get("/platform/").get_data(as_text=True)
    with app.app_context():
        admin = db.session.query(PlatformAdmin).filter_by(email=finance.email).one()
        with pytest.raises(DomainError, match="Only support admins"):
            services.ask(admin, tenant.info.id, REASON, 30)


def test_another_admin_cannot_open_or_end_my_grant(app, console_as, owner, tenant):
    mine = console_as("support")
    ask(mine, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    theirs = console_as("support")
    theirs.get("/platform/support")
    assert theirs.post(f"/platform/support/{grant.id}/open").status_code == 404
    theirs.post(f"/platform/support/{grant.id}/end")
    assert latest_grant(app, tenant).status == "approved"


def test_bad_requests_are_refused_beside_the_field(app, console_as, tenant):
    console = console_as("support")
    short = ask(console, tenant, reason="help")
    assert short.status_code == 422 and "10 to 1,000 characters" in short.get_data(as_text=True)
    long = ask(console, tenant, minutes=61)
    assert long.status_code == 422 and "Ask for 5 to 60 minutes." in long.get_data(as_text=True)
    assert REASON in long.get_data(as_text=True)  # what was typed stays
    console.get("/platform/support")
    unknown = console.post(
        "/platform/support", {"agency": "nobody-here", "reason": REASON, "minutes": 30}
    )
    assert unknown.status_code == 422
    assert "No agency has this subdomain." in unknown.get_data(as_text=True)
    assert console.get("/platform/support/agencies/999999").status_code == 404


def test_unanswered_requests_lapse_after_a_day(app, console_as, owner, tenant, clock):
    ask(console_as("support"), tenant)
    grant = latest_grant(app, tenant)
    clock.advance(hours=24)
    owner.get("/support-access/")
    owner.post(f"/support-access/{grant.id}/approve")
    assert latest_grant(app, tenant).status == "requested"
    assert "Not answered in time" in owner.get("/support-access/").get_data(as_text=True)


def test_a_support_session_is_no_staff_account(app, tenant, support):
    with app.app_context(), bound(tenant.info, db.session):
        staff = db.session.scalars(select(User.email)).all()
    assert staff == [tenant.owner_email]  # nobody was added to the agency's team
    assert support.get("/staff/").status_code == 403
    assert {e.actor_id for e in agency_log(app, tenant, "support.viewed")} == {None}


@pytest.mark.parametrize("change", ["role", "reset"])
def test_demoting_or_resetting_the_admin_ends_the_support_session(app, tenant, support, change):
    assert support.get("/bonds/").status_code == 200
    with app.app_context():
        admin = db.session.scalar(
            select(PlatformAdmin).where(PlatformAdmin.email == support.console.email)
        )
        if change == "role":
            admin.role = "finance"  # finance never enters an agency
        else:
            admin.session_version += 1  # what a password or two-step reset does
        db.session.commit()
    ended = support.get("/bonds/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
