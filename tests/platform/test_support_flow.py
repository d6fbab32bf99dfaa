"""Support access from request to expiry: the owner's answer, the hand-over, the banner, both
audit logs, and the end (by the clock, the owner or the admin)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from bbp.kernel import mail
from tests.factories import make_bond
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


def _words(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_request_approve_open_banner_audit_and_expiry(app, console_as, owner, tenant, visit, clock):
    console = console_as("support")
    assert ask(console, tenant, minutes=60).status_code == 302
    grant = latest_grant(app, tenant)
    assert (grant.status, grant.minutes, grant.reason) == ("requested", 60, REASON)
    with app.app_context():
        email = mail.outbox(tenant.slug)[0]
    assert email["to"] == tenant.owner_email and REASON in email["body"]
    assert "/support-access/" in email["body"]

    dashboard = _words(owner.get("/dashboard/"))
    assert "Support Admin from BailBondPro support asks" in dashboard
    assert "60 minutes" in dashboard and REASON in dashboard
    assert approve(owner, grant.id).status_code == 302
    assert latest_grant(app, tenant).expires_at == clock.now + timedelta(minutes=60)

    host, path = entry_path(console, grant.id)
    assert host == f"{tenant.slug}.localhost"
    support = visit(tenant)
    landed = enter(support, path)
    assert landed.headers["Location"].endswith("/dashboard/")
    page = _words(support.get("/dashboard/"))
    assert "Support access by Support Admin until" in page
    assert f"reason: {REASON}" in page and "End support access" in page

    bond_id = make_bond(app, tenant)
    assert support.get(f"/bonds/{bond_id}").status_code == 200
    viewed = [e for e in agency_log(app, tenant) if e.action == "support.viewed"]
    assert (viewed[-1].target_type, viewed[-1].target_id) == ("bond", str(bond_id))
    assert viewed[-1].actor_label == "Support: Support Admin" and viewed[-1].actor_id is None
    assert f"/bonds/{bond_id}" in {e.after.get("page") for e in platform_log(app, tenant)}
    log = _words(owner.get("/audit/?action=support."))
    assert re.search(r"Support: Support Admin viewed Ray Doe's bond [A-Z]+-\d+", log)
    assert "Support: Support Admin entered the agency's workspace" in log

    clock.advance(minutes=59)
    assert support.get("/bonds/").status_code == 200
    clock.advance(minutes=1)
    expired = support.get("/bonds/")
    assert expired.status_code == 302 and "/login" in expired.headers["Location"]
    assert "Expired" in console.get("/platform/support").get_data(as_text=True)


def test_owner_denies(app, console_as, owner, tenant):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    owner.get("/support-access/")
    assert owner.post(f"/support-access/{grant.id}/deny").status_code == 302
    assert latest_grant(app, tenant).status == "denied"
    assert owner.post(f"/support-access/{grant.id}/approve").status_code == 302
    assert latest_grant(app, tenant).status == "denied"  # a denied request stays denied
    refused = console.post(f"/platform/support/{grant.id}/open", follow_redirects=True)
    assert "not open (denied)" in refused.get_data(as_text=True)
    assert "Approve or deny" not in owner.get("/dashboard/").get_data(as_text=True)
    assert [e.action for e in platform_log(app, tenant)] == ["support.requested", "support.denied"]
    assert agency_log(app, tenant)[-1].action == "support.denied"


def test_agency_setting_lets_support_in_without_approval(app, console_as, owner, tenant, visit):
    owner.get("/support-access/")
    assert owner.post("/support-access/policy", {"without_approval": "y"}).status_code == 302
    changed = agency_log(app, tenant, "settings.support_access_changed")
    assert changed[-1].after == {"support_without_approval": True}
    assert platform_log(app, tenant, "settings.support_access_changed")[-1].actor_label == (
        f"owner of {tenant.slug}"
    )

    console = console_as("superadmin")
    asked = ask(console, tenant, minutes=15)
    assert "Access granted at once" in console.get("/platform/support").get_data(as_text=True)
    assert asked.status_code == 302
    grant = latest_grant(app, tenant)
    assert grant.status == "approved" and grant.auto_approved
    with app.app_context():
        assert "until" in mail.outbox(tenant.slug)[0]["body"]
    support = visit(tenant)
    assert enter(support, entry_path(console, grant.id)[1]).status_code == 302
    assert "Support access by" in support.get("/dashboard/").get_data(as_text=True)


def test_owner_ends_access_early_and_the_support_session_is_signed_out(
    app, console_as, owner, tenant, visit
):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    support = visit(tenant)
    enter(support, entry_path(console, grant.id)[1])
    assert support.get("/bonds/").status_code == 200
    assert owner.post(f"/support-access/{grant.id}/end").status_code == 302
    assert support.get("/bonds/").status_code == 302
    assert latest_grant(app, tenant).ended_by == "owner"


def test_admin_ends_access_from_the_banner(app, console_as, owner, tenant, visit):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    support = visit(tenant)
    enter(support, entry_path(console, grant.id)[1])
    support.get("/dashboard/")
    ended = support.post("/support-access/end")
    assert ended.status_code == 302
    assert "Support access ended" in support.get(ended.headers["Location"]).get_data(as_text=True)
    assert support.get("/dashboard/").status_code == 302
    assert latest_grant(app, tenant).status == "ended"
    assert agency_log(app, tenant)[-1].action == "support.ended"


def test_admin_withdraws_a_request_from_the_console(app, console_as, tenant):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    console.get("/platform/support")
    assert console.post(f"/platform/support/{grant.id}/end").status_code == 302
    assert latest_grant(app, tenant).status == "withdrawn"
    assert agency_log(app, tenant)[-1].action == "support.withdrawn"


def test_hand_over_link_is_single_use_and_expires(app, console_as, owner, tenant, visit, clock):
    console = console_as("support")
    ask(console, tenant)
    grant = latest_grant(app, tenant)
    approve(owner, grant.id)
    _, path = entry_path(console, grant.id)
    first = visit(tenant)
    assert enter(first, path).status_code == 302
    again = visit(tenant)
    again.get("/login")
    assert again.post(path).status_code == 410
    assert again.get(path).status_code == 410

    _, late = entry_path(console, grant.id)
    clock.advance(minutes=3)
    assert visit(tenant).get(late).status_code == 410
    assert first.get("/bonds/").status_code == 200  # a dead link ends nobody's session

    _, newer = entry_path(console, grant.id)
    second = visit(tenant)
    assert enter(second, newer).status_code == 302
    assert first.get("/bonds/").status_code == 302  # only the newest support session stays in
    _, again = entry_path(console, grant.id)
    assert enter(second, again).status_code == 302  # a support session may enter anew
    assert second.get("/bonds/").status_code == 200
    assert not [e for e in agency_log(app, tenant) if "/enter/" in str(e.after)]
