"""The audit log: written by services, append-only, readable by admins."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bbp.audit.models import AuditEntry
from bbp.extensions import db
from bbp.tenancy import bound
from tests.support import add_user


def _entries(app, tenant, action=None):
    with app.app_context(), bound(tenant.info, db.session):
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = db.session.scalars(query).all()
        db.session.expunge_all()
        return entries


def test_sign_ins_and_failures_are_logged_with_origin(app, visit, tenant):
    visitor = visit(tenant)
    visitor.login(tenant.owner_email, "wrong password here")
    visitor.login(tenant.owner_email)
    failed = _entries(app, tenant, "auth.sign_in_failed")[-1]
    ok = _entries(app, tenant, "auth.sign_in")[-1]
    assert failed.actor_label == "anonymous"  # whoever typed it is not known to be the owner
    assert failed.target_id is not None
    assert failed.after == {"email": tenant.owner_email, "failed_logins": 1}
    assert ok.ip == "127.0.0.1"
    assert ok.user_agent.startswith("Werkzeug")


def test_staff_changes_record_before_and_after(app, owner, tenant):
    agent = add_user(app, tenant.info, "agent")
    owner.post(f"/staff/{agent.id}/deactivate", htmx=True)
    entry = _entries(app, tenant, "staff.deactivated")[-1]
    assert entry.before["active"] is True and entry.after["active"] is False
    assert entry.actor_label == tenant.owner_email
    assert (entry.target_type, entry.target_id) == ("user", str(agent.id))


def test_audit_rows_cannot_be_changed_or_deleted(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        for statement in (
            "UPDATE audit_log SET action = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_platform_audit_is_append_only_too(app, tenant):
    with app.app_context():
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM public.platform_audit"))
        db.session.rollback()


def test_audit_page_filters_live_and_is_admin_only(app, owner, visit, tenant):
    owner.post("/staff/invite", {"name": "Al", "email": "al@alpha.example", "role": "agent"})
    fragment = owner.get("/audit/?action=staff.", htmx=True)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert f"Owner {tenant.slug} invited Al as Agent" in body and "signed in" not in body
    manager = add_user(app, tenant.info, "manager")
    visitor = visit(tenant)
    visitor.login(manager.email)
    assert visitor.get("/audit/").status_code == 403


def test_dashboard_shows_recent_activity_of_this_agency_only(owner, visit, tenant, other_tenant):
    visit(other_tenant).login(other_tenant.owner_email, "wrong password here")
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert f"Owner {tenant.slug} signed in" in page
    assert other_tenant.owner_email not in page and "failed to sign in" not in page
