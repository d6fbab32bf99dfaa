"""The past-due banner for owners and admins, and the agency's billing page it links to."""

from __future__ import annotations

import pytest

from tests.billing.sweep import put_in
from tests.support import add_user

BANNER = "A payment to BailBondPro failed"


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_see_the_banner_on_every_page(app, visit, tenant, role):
    user = add_user(app, tenant.info, role=role)
    visitor = visit(tenant)
    visitor.login(user.email)
    assert BANNER not in visitor.get("/bonds/").get_data(as_text=True)
    put_in(app, tenant, "past_due")
    for page in ("/dashboard/", "/bonds/", "/court/"):
        body = visitor.get(page).get_data(as_text=True)
        assert BANNER in body, page
        # The billing page is the owner's: an admin is told who can fix the card.
        if role == "owner":
            assert 'href="/billing/"' in body, page
        else:
            assert 'href="/billing/"' not in body and "Ask the agency's owner" in body, page
    put_in(app, tenant, "read_only")
    assert "read-only until the overdue payment" in visitor.get("/bonds/").get_data(as_text=True)


def test_agents_see_no_banner_and_no_billing_page(app, visit, tenant):
    put_in(app, tenant, "past_due")
    agent = add_user(app, tenant.info, role="agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert BANNER not in visitor.get("/bonds/").get_data(as_text=True)
    assert visitor.get("/billing/").status_code == 403


def test_the_billing_page_says_what_is_due_and_when(app, clock, owner, tenant):
    assert "Nothing is due" in owner.get("/billing/").get_data(as_text=True)
    put_in(app, tenant, "past_due")
    body = owner.get("/billing/").get_data(as_text=True)
    assert "Past due since" in body and "Read-only from" in body
    # No plan, so no subscription or card to manage: only the choice of a first plan.
    assert "not on a BailBondPro plan" in body
    assert "Update card" not in body and "Cancel subscription" not in body


def test_the_billing_page_and_banner_are_the_agencys_own(app, visit, tenant, other_tenant):
    put_in(app, tenant, "past_due")
    visitor = visit(other_tenant)
    visitor.login(other_tenant.owner_email)
    assert BANNER not in visitor.get("/bonds/").get_data(as_text=True)
    assert "Nothing is due" in visitor.get("/billing/").get_data(as_text=True)
    stranger = visit(tenant)
    stranger.login(other_tenant.owner_email)  # the other agency's owner has no account here
    assert stranger.get("/billing/").status_code == 302


def test_owners_reach_billing_from_the_user_menu_and_others_do_not_see_it(
    app, visit, tenant, owner
):
    assert 'href="/billing/">Billing</a>' in owner.get("/dashboard/").get_data(as_text=True)
    admin = add_user(app, tenant.info, role="admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    assert 'href="/billing/">Billing</a>' not in visitor.get("/dashboard/").get_data(as_text=True)
