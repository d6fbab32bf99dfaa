"""The team page: invite, deactivate, reactivate, links, search."""

from __future__ import annotations

import json

import pytest

from bbp.kernel.mail import outbox_key
from tests.support import PASSWORD, add_user, fetch_user


def _invite(owner, **fields):
    data = {"name": "Dana Agent", "email": "dana@alpha.example", "role": "agent"} | fields
    return owner.post("/staff/invite", data)


def test_owner_invites_an_agent_who_then_sets_a_password_and_signs_in(
    app, owner, visit, tenant, redis
):
    response = _invite(owner)
    assert response.status_code == 302  # post/redirect/get: a reload does not invite twice
    body = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "is invited" in body and "dana@alpha.example" in body
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert mails[0]["to"] == "dana@alpha.example"
    link = mails[0]["body"].split("\n")[3]
    assert "/set-password/" in link and "/set-password/" in body  # tokens carry a timestamp

    dana = visit(tenant)
    path = link.split("localhost", 1)[1]
    assert dana.get(path).status_code == 200
    assert dana.post(path, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    assert dana.login("dana@alpha.example").status_code == 302
    assert fetch_user(app, tenant.info, "dana@alpha.example").role == "agent"


def test_invite_with_a_taken_email_keeps_what_was_typed(owner, tenant):
    response = _invite(owner, email=tenant.owner_email, name="Typed Name")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already uses this email" in body
    assert 'value="Typed Name"' in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"name": ""}, "Enter their name."),
        ({"role": "emperor"}, "Not a valid choice"),
    ],
)
def test_invite_bad_input_gets_a_field_message(owner, fields, message):
    response = _invite(owner, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_an_admin_cannot_create_an_owner(app, visit, tenant):
    admin = add_user(app, tenant.info, "admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    response = _invite(visitor, role="owner")
    assert response.status_code == 422
    assert "above your own" in response.get_data(as_text=True)


def test_deactivating_signs_the_person_out_at_once(app, owner, visit, tenant):
    agent = add_user(app, tenant.info, "agent")
    agent_visitor = visit(tenant)
    agent_visitor.login(agent.email)
    assert agent_visitor.get("/dashboard/").status_code == 200

    response = owner.post(f"/staff/{agent.id}/deactivate", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "Deactivated" in body and f'id="member-{agent.id}"' in body
    assert agent_visitor.get("/dashboard/").status_code == 302
    assert agent_visitor.login(agent.email).status_code == 422

    assert owner.post(f"/staff/{agent.id}/reactivate", htmx=True).status_code == 200
    assert agent_visitor.login(agent.email).status_code == 302


def test_deactivate_without_javascript_redirects_back(app, owner, tenant):
    agent = add_user(app, tenant.info, "agent")
    response = owner.post(f"/staff/{agent.id}/deactivate")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")


def test_no_one_can_deactivate_themselves(app, owner, tenant):
    me = fetch_user(app, tenant.info, tenant.owner_email)
    response = owner.post(f"/staff/{me.id}/deactivate", htmx=True)
    assert response.status_code == 409
    assert "cannot change your own access" in response.get_data(as_text=True)
    assert fetch_user(app, tenant.info, tenant.owner_email).active


def test_the_last_owner_stays_active(app, visit, tenant):
    second = add_user(app, tenant.info, "owner")
    visitor = visit(tenant)
    visitor.login(second.email)
    first = fetch_user(app, tenant.info, tenant.owner_email)
    assert visitor.post(f"/staff/{first.id}/deactivate", htmx=True).status_code == 200
    owner_again = visit(tenant)
    owner_again.login(second.email)
    # second is now the only owner; an admin cannot remove them, and they cannot remove themselves
    admin = add_user(app, tenant.info, "admin")
    admin_visitor = visit(tenant)
    admin_visitor.login(admin.email)
    refused = admin_visitor.post(f"/staff/{second.id}/deactivate", htmx=True)
    assert refused.status_code == 409
    assert "Only an owner" in refused.get_data(as_text=True)


def test_reset_link_for_a_joined_member_goes_only_to_their_inbox(app, owner, tenant, redis):
    agent = add_user(app, tenant.info, "agent")
    response = owner.post(f"/staff/{agent.id}/link")
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert f"emailed to {agent.email}" in page and "/set-password/" not in page
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert mails[0]["to"] == agent.email and "/set-password/" in mails[0]["body"]


def test_invite_link_of_a_pending_member_can_be_shown_again(app, owner, tenant):
    pending = add_user(app, tenant.info, "agent", password=None)
    response = owner.post(f"/staff/{pending.id}/link")
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "/set-password/" in page


def test_an_admin_cannot_touch_another_admins_account(app, visit, tenant):
    admin, peer = add_user(app, tenant.info, "admin"), add_user(app, tenant.info, "admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    refused = visitor.post(f"/staff/{peer.id}/deactivate", htmx=True)
    assert refused.status_code == 409
    assert "Only an owner" in refused.get_data(as_text=True)
    link = visitor.post(f"/staff/{peer.id}/link")
    assert "Only an owner" in visitor.get(link.headers["Location"]).get_data(as_text=True)


def test_live_search_returns_only_the_rows_fragment(app, owner, tenant):
    add_user(app, tenant.info, "agent", email="zelda@alpha.example", name="Zelda Quick")
    add_user(app, tenant.info, "agent", email="yuri@alpha.example", name="Yuri Slow")
    response = owner.get("/staff/?q=zelda", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert "Zelda Quick" in body and "Yuri Slow" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_live_search_takes_percent_and_underscore_literally(app, owner, tenant):
    add_user(app, tenant.info, "agent", email="jo_ann@alpha.example", name="Jo 100% Ann")
    add_user(app, tenant.info, "agent", email="joxann@alpha.example", name="Jo 1000 Ann")
    underscore = owner.get("/staff/?q=jo_ann", htmx=True).get_data(as_text=True)
    assert "Jo 100% Ann" in underscore and "Jo 1000 Ann" not in underscore
    percent = owner.get("/staff/?q=100%25", htmx=True).get_data(as_text=True)
    assert "Jo 100% Ann" in percent and "Jo 1000 Ann" not in percent


def test_boosted_navigation_and_history_restore_get_full_pages(owner):
    boosted = owner.get("/staff/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = owner.get(
        "/staff/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in boosted.get_data(as_text=True)
    assert "<html" in restore.get_data(as_text=True)


def test_status_filter_and_pagination(app, owner, tenant):
    for i in range(22):
        add_user(app, tenant.info, "agent", email=f"p{i:02d}@alpha.example", password=None)
    pending = owner.get("/staff/?status=pending", htmx=True).get_data(as_text=True)
    assert "Page 1 of 2" in pending and "22 in all" in pending
    assert tenant.owner_email not in pending
    page_two = owner.get("/staff/?status=pending&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page_two
