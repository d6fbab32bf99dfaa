"""Staff two-step sign-in: enrolling from the account page, the code at sign-in, the agency-wide
requirement and resets by an owner or admin."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pyotp
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.auth.twostep import STAFF
from bbp.extensions import db
from bbp.kernel import twostep
from bbp.tenancy import bound
from tests.support import PASSWORD, add_user, fetch_user

SECRET_IN_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _enroll(visitor, path: str, clock) -> tuple[str, list[str]]:
    """Enroll through the page at `path`; returns the secret and the recovery codes."""
    page = visitor.get(path).get_data(as_text=True)
    secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
    done = visitor.post(path, {"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 200, done.get_data(as_text=True)
    return secret, [w for w in _text(done).split() if w.count("-") == 3]


def _actions(app, tenant) -> list[str]:
    with app.app_context(), bound(tenant.info, db.session):
        return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_staff_enroll_from_their_account_page(app, visit, tenant, clock):
    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    assert visitor.login(agent.email).location.endswith("/dashboard/")  # optional: no code yet
    account = _text(visitor.get("/account"))
    assert "Two-step sign-in" in account and "Off" in account
    page = visitor.get("/account/two-step").get_data(as_text=True)
    assert '<svg role="img"' in page
    wrong = visitor.post("/account/two-step", {"code": "99999"})
    assert wrong.status_code == 422 and twostep.WRONG_CODE in _text(wrong)
    secret, codes = _enroll(visitor, "/account/two-step", clock)
    assert len(codes) == 10
    assert "On since" in _text(visitor.get("/account"))
    stored = fetch_user(app, tenant.info, agent.email)
    assert secret.encode() not in stored.totp_secret_encrypted
    with app.app_context(), bound(tenant.info, db.session):
        assert STAFF.decrypt(stored.totp_secret_encrypted) == secret  # the agency's data key
    assert "auth.two_step_enrolled" in _actions(app, tenant)


def test_enrolled_staff_give_a_code_at_sign_in(app, visit, tenant, clock):
    agent = add_user(app, tenant.info, "agent")
    first = visit(tenant)
    first.login(agent.email)
    secret, _ = _enroll(first, "/account/two-step", clock)
    clock.advance(minutes=1)
    visitor = visit(tenant)
    response = visitor.login(agent.email)
    assert response.location.endswith("/two-step")
    assert visitor.get("/dashboard/").status_code == 302  # half signed in is signed out
    wrong = visitor.post("/two-step", {"code": "000000"})
    assert wrong.status_code == 422 and 'class="field-error"' in wrong.get_data(as_text=True)
    code = pyotp.TOTP(secret).at(clock.now + timedelta(seconds=30))  # a phone 30 s ahead
    assert visitor.post("/two-step", {"code": code}).location.endswith("/dashboard/")
    assert visitor.get("/dashboard/").status_code == 200
    again = visit(tenant)
    again.login(agent.email)
    assert twostep.REPLAYED in _text(again.post("/two-step", {"code": code}))


def test_an_owner_requires_two_step_for_everyone(app, visit, tenant, owner, clock):
    agent = add_user(app, tenant.info, "agent")
    assert "Require it for everyone" in _text(owner.get("/staff/"))
    assert owner.post("/staff/two-step", {"required": "yes"}).status_code == 302
    assert "Required" in _text(owner.get("/staff/"))
    visitor = visit(tenant)
    assert visitor.login(agent.email).location.endswith("/two-step/enroll")
    assert visitor.get("/dashboard/").status_code == 302
    _enroll(visitor, "/two-step/enroll", clock)
    assert visitor.get("/dashboard/").status_code == 200
    assert "settings.two_step_required" in _actions(app, tenant)
    owner.post("/staff/two-step", {"required": "no"})
    assert "Optional" in _text(owner.get("/staff/"))


def test_only_an_owner_changes_the_requirement(app, visit, tenant):
    admin = add_user(app, tenant.info, "admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    assert "Require it for everyone" not in _text(visitor.get("/staff/"))
    assert visitor.post("/staff/two-step", {"required": "yes"}).status_code == 403


def test_an_owner_resets_a_members_two_step(app, visit, tenant, owner, clock):
    agent = add_user(app, tenant.info, "agent")
    member = visit(tenant)
    member.login(agent.email)
    _enroll(member, "/account/two-step", clock)
    assert "Reset two-step" in _text(owner.get("/staff/"))
    row = owner.post(f"/staff/{agent.id}/two-step/reset", htmx=True)
    assert row.status_code == 200 and "<html" not in row.get_data(as_text=True)
    assert member.get("/dashboard/").status_code == 302  # signed out
    assert visit(tenant).login(agent.email).location.endswith("/dashboard/")  # no code now
    assert fetch_user(app, tenant.info, agent.email).totp_enrolled_at is None
    assert "auth.two_step_reset" in _actions(app, tenant)


def test_an_agent_cannot_reset_anyones_two_step(app, visit, tenant):
    agent = add_user(app, tenant.info, "agent")
    other = add_user(app, tenant.info, "viewer")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert visitor.post(f"/staff/{other.id}/two-step/reset").status_code == 403


def test_a_half_sign_in_is_worthless_on_another_agency(app, visit, tenant, other_tenant, clock):
    agent = add_user(app, tenant.info, "agent")
    first = visit(tenant)
    first.login(agent.email)
    _enroll(first, "/account/two-step", clock)
    half = visit(tenant)
    half.login(agent.email, PASSWORD)
    cookie = half.session_cookie().value
    client = app.test_client()
    client.set_cookie("session", cookie, domain=f"{other_tenant.slug}.localhost")
    response = client.get("/two-step", base_url=f"http://{other_tenant.slug}.localhost")
    assert response.status_code == 302 and "/login" in response.location
