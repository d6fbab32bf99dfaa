"""One team rule on every staff route: a role manages only roles below its own, owners manage owners."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.auth.models import ROLES, User, may_manage
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.staff import services
from bbp.tenancy import bound
from tests.support import PASSWORD, add_user, fetch_user

ACTORS = ("owner", "admin")
TARGETS = ROLES
# Every route that acts on one team member, with what it does to them when it is allowed.
MEMBER_ROUTES = [
    ("GET", "/staff/{id}/invited"),
    ("POST", "/staff/{id}/link"),
    ("GET", "/staff/{id}/role"),
    ("POST", "/staff/{id}/role"),
    ("POST", "/staff/{id}/deactivate"),
    ("POST", "/staff/{id}/reactivate"),
]


def test_the_rule_itself():
    assert may_manage("owner", "owner") and may_manage("owner", "admin")
    assert not may_manage("admin", "admin") and not may_manage("admin", "owner")
    assert may_manage("admin", "manager") and may_manage("manager", "agent")
    assert not may_manage("viewer", "viewer")


def _signed_in(app, visit, tenant, role):
    if role == "owner":
        actor = fetch_user(app, tenant.info, tenant.owner_email)
    else:
        actor = add_user(app, tenant.info, role)
    visitor = visit(tenant)
    assert visitor.login(actor.email).status_code == 302
    return visitor


@pytest.mark.parametrize("actor_role", ACTORS)
@pytest.mark.parametrize("target_role", TARGETS)
@pytest.mark.parametrize(("method", "path"), MEMBER_ROUTES)
def test_every_member_route_applies_the_rule(
    app, visit, tenant, actor_role, target_role, method, path
):
    target = add_user(app, tenant.info, target_role, password=None)  # a pending invitation
    visitor = _signed_in(app, visit, tenant, actor_role)
    url = path.format(id=target.id)
    response = visitor.get(url) if method == "GET" else visitor.post(url, {"role": "viewer"})
    body = response.get_data(as_text=True)
    if response.status_code == 302:
        body += visitor.get(response.headers["Location"]).get_data(as_text=True)
    after = fetch_user(app, tenant.info, target.email)
    if may_manage(actor_role, target_role):
        assert response.status_code in (200, 302), body
        return
    assert "/set-password/" not in body  # no invitation link of a higher role, ever
    assert "Only an owner" in body or "below your role" in body
    assert (after.role, after.active) == (target_role, True)


def test_an_admin_cannot_take_over_a_pending_owner_invitation(app, visit, tenant):
    """The reported escalation: an admin read a pending owner's set-password link."""
    pending_owner = add_user(app, tenant.info, "owner", password=None)
    admin = _signed_in(app, visit, tenant, "admin")
    for method, path in (("get", "invited"), ("post", "link")):
        response = getattr(admin, method)(f"/staff/{pending_owner.id}/{path}")
        assert response.status_code == 302
        page = admin.get(response.headers["Location"]).get_data(as_text=True)
        assert "/set-password/" not in page and "Only an owner" in page


def test_an_admin_invites_only_below_admin(app, visit, tenant):
    admin = _signed_in(app, visit, tenant, "admin")
    form = admin.get("/staff/invite").get_data(as_text=True)
    assert 'value="manager"' in form and 'value="admin"' not in form and 'value="owner"' not in form
    refused = admin.post(
        "/staff/invite", {"name": "Peer", "email": "peer@alpha.example", "role": "admin"}
    )
    assert refused.status_code == 422
    assert "at or above your own" in refused.get_data(as_text=True)
    assert fetch_user(app, tenant.info, "peer@alpha.example") is None


def test_owner_changes_a_role_and_it_is_audited(app, owner, tenant):
    agent = add_user(app, tenant.info, "agent")
    form = owner.get(f"/staff/{agent.id}/role").get_data(as_text=True)
    assert 'value="owner"' in form  # owners may make owners
    response = owner.post(f"/staff/{agent.id}/role", {"role": "manager"})
    assert response.status_code == 302
    assert "is now Manager" in owner.get(response.headers["Location"]).get_data(as_text=True)
    assert fetch_user(app, tenant.info, agent.email).role == "manager"
    with app.app_context(), bound(tenant.info, db.session):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "staff.role_changed")
        ).one()
        assert entry.before["role"] == "agent" and entry.after["role"] == "manager"


def test_an_admin_cannot_promote_anyone_to_admin(app, visit, tenant):
    agent = add_user(app, tenant.info, "agent")
    admin = _signed_in(app, visit, tenant, "admin")
    form = admin.get(f"/staff/{agent.id}/role").get_data(as_text=True)
    assert 'value="admin"' not in form
    refused = admin.post(f"/staff/{agent.id}/role", {"role": "admin"})
    assert refused.status_code == 422
    assert "at or above your own" in refused.get_data(as_text=True)
    assert fetch_user(app, tenant.info, agent.email).role == "agent"


def test_a_demotion_takes_effect_on_the_next_click(app, owner, visit, tenant):
    admin = add_user(app, tenant.info, "admin")
    admin_visitor = visit(tenant)
    admin_visitor.login(admin.email)
    assert admin_visitor.get("/staff/").status_code == 200
    assert owner.post(f"/staff/{admin.id}/role", {"role": "agent"}).status_code == 302
    assert admin_visitor.get("/staff/").status_code == 403


def test_no_one_changes_their_own_role(app, owner, tenant):
    me = fetch_user(app, tenant.info, tenant.owner_email)
    response = owner.post(f"/staff/{me.id}/role", {"role": "agent"})
    assert response.status_code == 422
    assert "cannot change your own access" in response.get_data(as_text=True)
    assert fetch_user(app, tenant.info, tenant.owner_email).role == "owner"


def test_a_pending_owner_does_not_count_as_the_agency_keeping_an_owner(app, tenant):
    """The last joined owner stays, whatever owner invitations are pending."""
    pending = add_user(app, tenant.info, "owner", password=None)
    second = add_user(app, tenant.info, "owner")
    with app.app_context(), bound(tenant.info, db.session):
        first = db.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        by_second = db.session.get(User, second.id)
        services.change_role(first, "admin", by_second)  # another joined owner remains
        only_owner, by_pending = db.session.get(User, second.id), db.session.get(User, pending.id)
        for action in (
            lambda: services.change_role(only_owner, "agent", by_pending),
            lambda: services.deactivate(only_owner, by_pending),
        ):
            with pytest.raises(DomainError, match="at least one active owner"):
                action()
            db.session.rollback()
        assert db.session.get(User, second.id).role == "owner"


def _invitation_path(visitor, user_id: int) -> str:
    page = visitor.get(f"/staff/{user_id}/invited").get_data(as_text=True)
    return "/set-password/" + page.split("/set-password/", 1)[1].split('"', 1)[0]


def test_a_link_read_before_a_promotion_cannot_claim_the_higher_role(app, owner, visit, tenant):
    """An admin copies a manager's invitation; the owner then makes that person an owner."""
    admin = _signed_in(app, visit, tenant, "admin")
    admin.post("/staff/invite", {"name": "Jane", "email": "jane@alpha.example", "role": "manager"})
    jane = fetch_user(app, tenant.info, "jane@alpha.example")
    path = _invitation_path(admin, jane.id)
    assert owner.post(f"/staff/{jane.id}/role", {"role": "owner"}).status_code == 302
    stranger = visit(tenant)
    assert "already been used" in stranger.get(path).get_data(as_text=True)
    refused = stranger.post(path, {"password": PASSWORD, "confirm": PASSWORD})
    assert refused.status_code != 302
    assert fetch_user(app, tenant.info, "jane@alpha.example").pending


def test_links_a_demoted_admin_could_read_stop_working(app, owner, visit, tenant):
    admin_user = add_user(app, tenant.info, "admin")
    pending = add_user(app, tenant.info, "manager", password=None)
    admin = visit(tenant)
    admin.login(admin_user.email)
    path = _invitation_path(admin, pending.id)
    assert owner.post(f"/staff/{admin_user.id}/role", {"role": "agent"}).status_code == 302
    assert "already been used" in visit(tenant).get(path).get_data(as_text=True)
    fresh = _invitation_path(owner, pending.id)  # the owner can issue a new one at once
    assert visit(tenant).get(fresh).status_code == 200


def test_an_owner_demoted_a_moment_ago_can_no_longer_act_as_one(app, tenant):
    second, third = add_user(app, tenant.info, "owner"), add_user(app, tenant.info, "owner")
    with app.app_context(), bound(tenant.info, db.session):
        first = db.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        stale_second = db.session.get(User, second.id)  # loaded before the demotion below
        with app.app_context(), bound(tenant.info, db.session):
            services.change_role(db.session.get(User, second.id), "admin", first)
        with pytest.raises(DomainError, match="Only an owner"):
            services.deactivate(db.session.get(User, third.id), stale_second)
        db.session.rollback()
    assert fetch_user(app, tenant.info, third.email).active
