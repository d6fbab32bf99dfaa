"""Suspend, reactivate, delete and undo, legal hold: from the console, with a reason, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel import wakeups
from bbp.platform.lifecycle import GRACE
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant, TenantWakeup

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def base(agency) -> str:
    return f"/platform/agencies/{agency.info.id}"


def row(app, agency) -> Tenant:
    with app.app_context():
        tenant = db.session.get(Tenant, agency.info.id)
        db.session.expunge(tenant)
        return tenant


def audit(app, agency) -> list[PlatformAuditEntry]:
    """The agency's platform audit entries after its creation, oldest first."""
    with app.app_context():
        entries = db.session.scalars(
            select(PlatformAuditEntry)
            .where(
                PlatformAuditEntry.target_type == "tenant",
                PlatformAuditEntry.target_id == str(agency.info.id),
                PlatformAuditEntry.action != "tenant.provisioned",
            )
            .order_by(PlatformAuditEntry.id)
        ).all()
        db.session.expunge_all()
        return entries


@pytest.fixture
def superadmin(console_as):
    return console_as("superadmin")


def test_suspend_needs_a_reason_shown_beside_the_field(app, superadmin, tenant):
    superadmin.get(f"{base(tenant)}/lifecycle")
    response = superadmin.post(f"{base(tenant)}/suspend", {"suspend-reason": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="suspend-reason-error"' in page and "Give a reason" in page
    assert row(app, tenant).status == "active"
    assert audit(app, tenant) == []


def test_a_refused_htmx_post_answers_with_the_partial_keeping_what_was_typed(
    app, superadmin, tenant
):
    response = superadmin.post(
        f"{base(tenant)}/delete",
        {"delete-reason": "Agency asked to close", "delete-confirm": "wrong"},
        htmx=True,
    )
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="lifecycle"' in fragment
    assert f"Type the subdomain, {tenant.slug}, to confirm." in fragment
    assert 'id="delete-confirm-error"' in fragment and "Agency asked to close" in fragment
    assert row(app, tenant).status == "active"


def test_suspend_and_reactivate_are_audited_with_the_reason(app, superadmin, tenant, owner):
    response = superadmin.post(f"{base(tenant)}/suspend", {"suspend-reason": "Unpaid invoices"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base(tenant)}/lifecycle")
    assert row(app, tenant).status == "suspended"
    page = owner.get("/dashboard/")  # signed-in staff see the suspended page at once
    assert page.status_code == 403 and "This account is suspended" in page.get_data(as_text=True)
    console = superadmin.get(f"{base(tenant)}/lifecycle").get_data(as_text=True)
    assert (
        "Suspended" in console and "Unpaid invoices" in console and "Reactivate agency" in console
    )

    superadmin.post(f"{base(tenant)}/reactivate", {"reactivate-reason": "Paid in full"})
    assert row(app, tenant).status == "active"
    assert owner.get("/dashboard/").status_code == 200
    [suspended, reactivated] = audit(app, tenant)
    assert (suspended.action, suspended.actor_label) == ("tenant.suspended", superadmin.email)
    assert suspended.before == {"status": "active"}
    assert suspended.after == {"status": "suspended", "reason": "Unpaid invoices"}
    assert reactivated.action == "tenant.active"
    assert reactivated.after == {"status": "active", "reason": "Paid in full"}


def test_a_suspended_agency_cannot_be_suspended_again(app, superadmin, tenant):
    superadmin.post(f"{base(tenant)}/suspend", {"suspend-reason": "Unpaid"})
    again = superadmin.post(f"{base(tenant)}/suspend", {"suspend-reason": "Twice"})
    assert again.status_code == 422
    assert "Only an active agency can be suspended" in again.get_data(as_text=True)
    assert len(audit(app, tenant)) == 1


@pytest.mark.parametrize("role", ["support", "finance"])
def test_only_superadmins_see_and_use_the_controls(app, console_as, tenant, role):
    console = console_as(role)
    page = console.get(f"{base(tenant)}/lifecycle")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Status and lifecycle" in body and "Suspend agency" not in body
    for action in ("suspend", "delete", "hold"):
        refused = console.post(f"{base(tenant)}/{action}", {f"{action}-reason": "Because"})
        assert refused.status_code == 403
    assert row(app, tenant).status == "active" and not row(app, tenant).legal_hold
    assert audit(app, tenant) == []


def test_delete_closes_the_agency_shows_the_purge_date_and_undo_restores_it(
    app, superadmin, tenant, owner, visit, clock
):
    clock.set(NOW)
    superadmin.post(f"{base(tenant)}/suspend", {"suspend-reason": "Unpaid"})
    response = superadmin.post(
        f"{base(tenant)}/delete",
        {"delete-reason": "Agency closed its doors", "delete-confirm": tenant.slug},
    )
    assert response.status_code == 302
    deleting = row(app, tenant)
    assert (deleting.status, deleting.status_before_deletion) == ("deleting", "suspended")
    assert deleting.purge_after == NOW + GRACE
    assert deleting.deletion_requested_by == superadmin.email
    with app.app_context():  # its reminders and check-ins stop
        assert (
            db.session.scalars(
                select(TenantWakeup).where(TenantWakeup.tenant_id == tenant.info.id)
            ).all()
            == []
        )
    for page in (owner.get("/dashboard/"), visit(tenant).get("/portal/login")):
        assert page.status_code == 410
        assert "This account is closed" in page.get_data(as_text=True)
    listed = superadmin.get(f"/platform/?q={tenant.slug}", htmx=True).get_data(as_text=True)
    assert "Pending deletion" in listed
    console = superadmin.get(f"{base(tenant)}/lifecycle").get_data(as_text=True)
    assert "Pending deletion" in console and "Dec 2, 2026 3:00 PM UTC" in console
    assert "Undo deletion" in console and "Agency closed its doors" in console

    undone = superadmin.post(
        f"{base(tenant)}/undelete", {"undelete-reason": "Owner changed their mind"}, htmx=True
    )
    assert undone.status_code == 200 and "The deletion is undone." in undone.get_data(as_text=True)
    restored = row(app, tenant)
    assert (restored.status, restored.purge_after, restored.deletion_reason) == (
        "suspended",
        None,
        None,
    )
    with app.app_context():
        tasks = db.session.scalars(
            select(TenantWakeup.task).where(TenantWakeup.tenant_id == tenant.info.id)
        ).all()
    assert set(tasks) == set(wakeups.TASKS)
    actions = [(e.action, e.before, e.after) for e in audit(app, tenant)]
    assert actions[1] == (
        "tenant.deletion_scheduled",
        {"status": "suspended"},
        {
            "status": "deleting",
            "reason": "Agency closed its doors",
            "purge_after": (NOW + GRACE).isoformat(),
        },
    )
    assert actions[2] == (
        "tenant.deletion_undone",
        {"status": "deleting", "purge_after": (NOW + GRACE).isoformat()},
        {"status": "suspended", "reason": "Owner changed their mind"},
    )


def test_a_deleting_agency_is_not_suspended_or_reactivated_behind_the_deletion(
    app, superadmin, tenant
):
    superadmin.post(
        f"{base(tenant)}/delete", {"delete-reason": "Closing", "delete-confirm": tenant.slug}
    )
    refused = superadmin.post(f"{base(tenant)}/reactivate", {"reactivate-reason": "Oops"})
    assert refused.status_code == 422
    assert row(app, tenant).status == "deleting"


def test_legal_hold_is_set_and_released_with_a_reason(app, superadmin, tenant, clock):
    clock.set(NOW)
    blank = superadmin.post(f"{base(tenant)}/hold", {"hold-reason": ""})
    assert blank.status_code == 422 and 'id="hold-reason-error"' in blank.get_data(as_text=True)
    superadmin.post(f"{base(tenant)}/hold", {"hold-reason": "Florida keeps bond records 5 years"})
    held = row(app, tenant)
    assert held.legal_hold and held.legal_hold_set_by == superadmin.email
    superadmin.post(
        f"{base(tenant)}/delete", {"delete-reason": "Closing", "delete-confirm": tenant.slug}
    )
    clock.set(NOW + GRACE + timedelta(days=1))
    console = superadmin.get(f"{base(tenant)}/lifecycle").get_data(as_text=True)
    assert "Florida keeps bond records 5 years" in console
    assert "the daily purge skips this agency, although its purge date has passed" in console
    superadmin.post(f"{base(tenant)}/release", {"release-reason": "Retention period over"})
    assert not row(app, tenant).legal_hold
    hold, _, release = audit(app, tenant)
    assert hold.after == {"legal_hold": True, "reason": "Florida keeps bond records 5 years"}
    assert release.before == {"legal_hold": True, "reason": "Florida keeps bond records 5 years"}
    assert release.after == {"legal_hold": False, "reason": "Retention period over"}


def test_an_unknown_agency_is_a_404(superadmin):
    assert superadmin.get("/platform/agencies/999999/lifecycle").status_code == 404
    response = superadmin.post("/platform/agencies/999999/suspend", {"suspend-reason": "x"})
    assert response.status_code == 404
