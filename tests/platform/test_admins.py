"""Superadmins run the platform admins: invitations, roles, deactivation, two-step resets."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from bbp.auth.models import User
from bbp.auth.tokens import make_token
from bbp.extensions import db
from bbp.kernel.mail import PLATFORM, outbox_key
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.tenancy import bound
from tests.platform.conftest import add_admin, page_text, sign_in_admin
from tests.support import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_admins")

NEW = "a brand new console password"


def _admin(app, email: str) -> PlatformAdmin:
    with app.app_context():
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        db.session.expunge(admin)
        return admin


def _actions(app, admin_id: int) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(PlatformAuditEntry.action)
            .where(
                PlatformAuditEntry.target_type == "platformadmin",
                PlatformAuditEntry.target_id == str(admin_id),
            )
            .order_by(PlatformAuditEntry.id)
        ).all()


def _emailed_path(redis, to: str) -> str:
    mails = [json.loads(m) for m in redis.lrange(outbox_key(PLATFORM), 0, -1)]
    body = next(m["body"] for m in mails if m["to"] == to)
    link = next(line for line in body.splitlines() if "/platform/set-password/" in line)
    assert link.startswith("http://admin.localhost")
    return link.split("localhost", 1)[1]


def test_the_list_shows_role_status_and_two_step(app, console_as):
    console = console_as("superadmin")
    waiting = add_admin(app, "finance")
    page = page_text(console.get("/platform/admins"))
    assert console.email in page and waiting in page
    assert "Finance (read-only)" in page and "Not set up" in page and "On" in page
    rows = console.get(f"/platform/admins?q={waiting}", htmx=True).get_data(as_text=True)
    assert waiting in rows and console.email not in rows and "<html" not in rows


def test_an_invited_admin_sets_a_password_once_then_enrolls(app, console_as, visit, redis):
    console = console_as("superadmin")
    email = "new-ops@invited.example"
    console.get("/platform/admins/invite")
    response = console.post(
        "/platform/admins/invite", {"name": "New Ops", "email": email.upper(), "role": "support"}
    )
    assert response.status_code == 302
    path = _emailed_path(redis, email)
    newcomer = visit("admin")
    assert newcomer.get(path).status_code == 200
    assert newcomer.post(path, {"password": NEW, "confirm": NEW}).status_code == 302
    assert newcomer.get(path).status_code == 410  # single use
    assert newcomer.post(path, {"password": NEW, "confirm": NEW}).status_code == 410
    first = newcomer.login(email, NEW, path="/platform/login")
    assert first.location.endswith("/platform/two-step/enroll")
    admin = _admin(app, email)
    assert admin.role == "support"
    assert _actions(app, admin.id)[:2] == ["admin.invited", "auth.password_set"]


def test_a_console_link_is_worthless_on_an_agency_host_and_back(
    app, console_as, visit, redis, tenant, owner
):
    console = console_as("superadmin")
    email = "hopper@invited.example"
    console.get("/platform/admins/invite")
    console.post("/platform/admins/invite", {"name": "G", "email": email, "role": "finance"})
    path = _emailed_path(redis, email)
    token = path.rsplit("/", 1)[1]
    agency = visit(tenant)
    assert agency.get(f"/set-password/{token}").status_code == 400
    assert (
        agency.post(f"/set-password/{token}", {"password": NEW, "confirm": NEW}).status_code == 400
    )
    with app.app_context(), bound(tenant.info, db.session):
        staff = db.session.scalar(select(User).limit(1))
        staff_token = make_token(tenant.info, staff)
    assert visit("admin").get(f"/platform/set-password/{staff_token}").status_code == 400
    assert visit("admin").get(path).status_code == 200  # still good where it belongs


def test_an_email_already_used_is_refused_beside_the_field(app, console_as):
    console = console_as("superadmin")
    other = add_admin(app, "support")
    console.get("/platform/admins/invite")
    response = console.post(
        "/platform/admins/invite", {"name": "X", "email": other, "role": "support"}
    )
    assert response.status_code == 422
    assert "already belongs to a platform admin" in page_text(response)
    assert f'value="{other}"' in response.get_data(as_text=True)  # what was typed stays


def test_a_superadmin_changes_another_admins_role(app, console_as):
    console = console_as("superadmin")
    other = add_admin(app, "support")
    admin = _admin(app, other)
    response = console.post(f"/platform/admins/{admin.id}/role", {"role": "finance"})
    assert response.status_code == 302
    assert _admin(app, other).role == "finance"
    assert "admin.role_changed" in _actions(app, admin.id)


def test_nobody_demotes_or_deactivates_themselves(app, console_as):
    console = console_as("superadmin")
    add_admin(app, "superadmin")  # so the last-superadmin guard is not what refuses
    me = _admin(app, console.email)
    demoted = console.post(f"/platform/admins/{me.id}/role", {"role": "support"})
    assert demoted.status_code == 422 and "yourself" in page_text(demoted)
    off = console.post(f"/platform/admins/{me.id}/deactivate", htmx=True)
    assert off.status_code == 409 and "yourself" in page_text(off)
    assert _admin(app, console.email).active and _admin(app, console.email).role == "superadmin"


def test_the_last_active_superadmin_stays_one(app, console_as):
    console = console_as("superadmin")
    me = _admin(app, console.email)
    with app.app_context():
        others = db.session.scalars(
            select(PlatformAdmin.id).where(
                PlatformAdmin.role == "superadmin", PlatformAdmin.active, PlatformAdmin.id != me.id
            )
        ).all()
        db.session.execute(
            update(PlatformAdmin).where(PlatformAdmin.id.in_(others)).values(active=False)
        )
        db.session.commit()
    try:
        response = console.post(f"/platform/admins/{me.id}/role", {"role": "support"})
        assert response.status_code == 422
        assert "last active superadmin" in page_text(response)
    finally:
        with app.app_context():
            db.session.execute(
                update(PlatformAdmin).where(PlatformAdmin.id.in_(others)).values(active=True)
            )
            db.session.commit()


def test_deactivating_an_admin_ends_their_sessions(app, console_as):
    boss = console_as("superadmin")
    helper = console_as("support")
    assert helper.get("/platform/").status_code == 200
    target = _admin(app, helper.email)
    row = boss.post(f"/platform/admins/{target.id}/deactivate", htmx=True)
    assert (
        row.status_code == 200
        and "Deactivated" in page_text(row)
        and "<html" not in row.get_data(as_text=True)
    )
    assert helper.get("/platform/").status_code == 302
    assert helper.login(helper.email, PASSWORD, path="/platform/login").status_code == 422
    assert boss.post(f"/platform/admins/{target.id}/reactivate", htmx=True).status_code == 200
    assert _admin(app, helper.email).active
    actions = _actions(app, target.id)
    assert "admin.deactivated" in actions and actions[-1] == "admin.reactivated"


def test_resetting_two_step_makes_the_admin_enroll_again(app, console_as, visit):
    boss = console_as("superadmin")
    helper = console_as("finance")
    target = _admin(app, helper.email)
    assert boss.post(f"/platform/admins/{target.id}/two-step/reset").status_code == 302
    assert helper.get("/platform/").status_code == 302  # signed out
    again = visit("admin").login(helper.email, PASSWORD, path="/platform/login")
    assert again.location.endswith("/platform/two-step/enroll")
    assert _admin(app, helper.email).recovery_hashes == []
    assert "auth.two_step_reset" in _actions(app, target.id)


def test_a_superadmin_cannot_reset_their_own_two_step(app, console_as):
    console = console_as("superadmin")
    me = _admin(app, console.email)
    response = console.post(f"/platform/admins/{me.id}/two-step/reset", htmx=True)
    assert response.status_code == 409 and "another superadmin" in page_text(response)


def test_a_forgotten_password_is_reset_by_email(app, visit, redis):
    email = add_admin(app, "support")
    console = visit("admin")
    console.get("/platform/forgot-password")
    assert console.post("/platform/forgot-password", {"email": email}).status_code == 302
    assert (
        console.post("/platform/forgot-password", {"email": "ghost@bbp.example"}).status_code == 302
    )
    path = _emailed_path(redis, email)
    assert console.post(path, {"password": NEW, "confirm": NEW}).status_code == 302
    assert console.login(email, PASSWORD, path="/platform/login").status_code == 422
    assert sign_in_admin(console, email, NEW).status_code == 200


@pytest.mark.parametrize("role", ["support", "finance"])
def test_only_superadmins_manage_admins(console_as, role):
    console = console_as(role)
    assert console.get("/platform/admins").status_code == 403
    assert "Admins" not in page_text(console.get("/platform/"))


def test_an_invitation_link_expires(app, console_as, visit, redis, clock):
    console = console_as("superadmin")
    email = "late@invited.example"
    console.get("/platform/admins/invite")
    console.post("/platform/admins/invite", {"name": "Late", "email": email, "role": "support"})
    path = _emailed_path(redis, email)
    clock.advance(minutes=60 * app.config["PASSWORD_LINK_HOURS"] + 1)
    late = visit("admin").get(path)
    assert late.status_code == 410 and "expired" in page_text(late)


def test_reset_emails_to_one_address_are_limited(app, visit, redis):
    email = add_admin(app, "support")
    console = visit("admin")
    console.get("/platform/forgot-password")
    for _ in range(5):
        assert console.post("/platform/forgot-password", {"email": email}).status_code == 302
    mails = [json.loads(m) for m in redis.lrange(outbox_key(PLATFORM), 0, -1)]
    assert sum(m["to"] == email for m in mails) == 3  # RESETS_PER_HOUR, then nothing more
