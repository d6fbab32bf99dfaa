"""Staff seats: inviting or switching someone back on beyond the plan's seats is refused, with
the way out for owners (upgrade) and admins (ask the owner); no plan, no limit."""

from __future__ import annotations

from sqlalchemy import select

from bbp.auth.models import User
from bbp.extensions import db
from bbp.tenancy.context import bound
from tests.billing.owner_support import subscribe
from tests.support import add_user


def invite(visitor, email: str):
    return visitor.post(
        "/staff/invite", {"name": "New Person", "email": email, "phone": "", "role": "agent"}
    )


def active_staff(app, agency) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return len(db.session.scalars(select(User).where(User.active)).all())


def test_an_owner_cannot_invite_beyond_the_plans_seats(app, owner, tenant):
    subscribe(app, tenant, included_seats=2)
    assert invite(owner, "second@example.com").status_code == 302  # the owner and one more
    page = owner.get("/staff/invite").get_data(as_text=True)
    assert "All 2 staff seats of your plan are in use" in page and 'href="/billing/plan"' in page
    response = invite(owner, "third@example.com")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in body and "includes 2 staff seats and all are in use" in body
    assert "Upgrade your plan" in body
    assert active_staff(app, tenant) == 2


def test_an_admin_is_told_to_ask_the_owner(app, visit, tenant):
    subscribe(app, tenant, included_seats=2)
    admin = add_user(app, tenant.info, role="admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    body = invite(visitor, "more@example.com").get_data(as_text=True)
    assert "Ask the agency's owner to upgrade the plan" in body and "/billing/plan" not in body


def test_switching_an_account_back_on_takes_a_seat(app, owner, tenant):
    subscribe(app, tenant, included_seats=2)
    agent = add_user(app, tenant.info, role="agent")
    assert owner.post(f"/staff/{agent.id}/deactivate", htmx=True).status_code == 200
    add_user(app, tenant.info, role="viewer")  # the freed seat is taken meanwhile
    response = owner.post(f"/staff/{agent.id}/reactivate", htmx=True)
    assert response.status_code == 409  # the row's refusal, as for every row action
    assert "all are in use" in response.get_data(as_text=True)
    assert active_staff(app, tenant) == 2


def test_an_agency_on_no_plan_invites_without_a_limit(app, owner, tenant):
    for n in range(3):
        assert invite(owner, f"person{n}@example.com").status_code == 302
    assert "staff seats" not in owner.get("/staff/invite").get_data(as_text=True)


def test_the_other_agencys_plan_does_not_limit_this_one(app, owner, tenant, other_tenant):
    subscribe(app, other_tenant, included_seats=1)
    assert invite(owner, "free@example.com").status_code == 302
