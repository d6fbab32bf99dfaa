"""Dunning as a state machine on the app clock: past due, read-only on day 14, billing-suspended
on day 44, back to active at once when paid; apart from the lifecycle status and per agency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from bbp.billing import dunning
from bbp.extensions import db
from bbp.jobs import platform_tasks
from bbp.kernel import mail
from bbp.kernel.errors import DomainError
from bbp.platform import lifecycle
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant

FAILED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _state(app, agency) -> str:
    with app.app_context():
        row = dunning.find(agency.info.id)
        state = row.state if row else "active"
        db.session.rollback()
        return state


def _row(app, agency) -> dict:
    with app.app_context():
        row = dunning.find(agency.info.id)
        values = {
            "state": row.state,
            "past_due_since": row.past_due_since,
            "read_only_at": row.read_only_at,
            "suspended_at": row.suspended_at,
        }
        db.session.rollback()
        return values


def _fail(app, agency, at=None) -> str:
    with app.app_context():
        return dunning.payment_failed(agency.info.id, at)


def _pay(app, agency, at=None) -> str:
    with app.app_context():
        return dunning.payment_succeeded(agency.info.id, at)


def _advance(app, clock, days: float) -> None:
    clock.set(FAILED + timedelta(days=days))
    with app.app_context():
        dunning.advance_due()


def _actions(app, agency) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(PlatformAuditEntry.action)
            .where(
                PlatformAuditEntry.target_type == "tenant",
                PlatformAuditEntry.target_id == str(agency.info.id),
                PlatformAuditEntry.action.like("dunning.%"),
            )
            .order_by(PlatformAuditEntry.id)
        ).all()
        db.session.rollback()
        return list(rows)


@pytest.fixture
def failed(app, tenant, clock):
    clock.set(FAILED)
    assert _fail(app, tenant) == "past_due"
    return tenant


def test_an_agency_that_never_failed_a_payment_is_active(app, tenant):
    assert _state(app, tenant) == "active"
    with app.app_context():
        assert dunning.state_of(tenant.info.id) == "active"


def test_the_whole_path_to_billing_suspended_and_back(app, clock, failed):
    assert _row(app, failed)["past_due_since"] == FAILED
    _advance(app, clock, 13.9)
    assert _state(app, failed) == "past_due"
    _advance(app, clock, 14)
    row = _row(app, failed)
    assert row["state"] == "read_only" and row["read_only_at"] == FAILED + timedelta(days=14)
    _advance(app, clock, 43.9)
    assert _state(app, failed) == "read_only"
    _advance(app, clock, 44)
    row = _row(app, failed)
    assert row["state"] == "billing_suspended"
    assert row["suspended_at"] == FAILED + timedelta(days=44)
    clock.set(FAILED + timedelta(days=50))
    assert _pay(app, failed) == "active"
    assert _row(app, failed) == {
        "state": "active",
        "past_due_since": None,
        "read_only_at": None,
        "suspended_at": None,
    }
    assert _actions(app, failed) == [
        "dunning.past_due",
        "dunning.read_only",
        "dunning.billing_suspended",
        "dunning.active",
    ]
    with app.app_context():
        assert dunning.state_of(failed.info.id) == "active"  # the request-time cache follows


@pytest.mark.parametrize("days", [1, 20, 50], ids=["past_due", "read_only", "suspended"])
def test_a_payment_at_any_stage_returns_to_active_at_once(app, clock, failed, days):
    _advance(app, clock, days)
    assert _state(app, failed) != "active"
    assert _pay(app, failed) == "active"
    with app.app_context():
        assert dunning.state_of(failed.info.id) == "active"
    _advance(app, clock, days + 60)  # the old deadlines no longer move it
    assert _state(app, failed) == "active"


def test_repeated_failures_keep_the_first_date_and_write_one_entry(app, clock, failed):
    clock.set(FAILED + timedelta(days=5))
    assert _fail(app, failed) == "past_due"
    assert _fail(app, failed, FAILED + timedelta(days=6)) == "past_due"
    assert _row(app, failed)["past_due_since"] == FAILED  # the grace is not restarted
    assert _actions(app, failed) == ["dunning.past_due"]
    _advance(app, clock, 20)
    assert _fail(app, failed) == "read_only"  # a failure never moves it back to past due


def test_a_late_reported_failure_catches_up_with_its_deadlines(app, clock, tenant):
    clock.set(FAILED + timedelta(days=15))
    assert _fail(app, tenant, FAILED) == "read_only"


def test_a_paid_agency_failing_again_starts_a_fresh_grace(app, clock, failed):
    _advance(app, clock, 20)
    _pay(app, failed)
    clock.set(FAILED + timedelta(days=30))
    _fail(app, failed)
    assert _row(app, failed)["past_due_since"] == FAILED + timedelta(days=30)
    _advance(app, clock, 40)
    assert _state(app, failed) == "past_due"


def test_the_owners_are_emailed_once_when_past_due_starts(app, clock, tenant):
    clock.set(FAILED)
    with app.app_context():
        before = len(mail.outbox(tenant.slug))
    _fail(app, tenant)
    _fail(app, tenant)
    with app.app_context():
        sent = mail.outbox(tenant.slug)[: len(mail.outbox(tenant.slug)) - before]
    assert [m["to"] for m in sent] == [tenant.owner_email]
    assert "payment failed" in sent[0]["subject"]
    assert "March 16, 2026" in sent[0]["body"]  # fourteen days on: when it turns read-only
    assert "Court reminders" in sent[0]["body"]


def test_a_payment_never_lifts_a_suspension_set_by_hand(app, clock, failed):
    with app.app_context():
        lifecycle.suspend(failed.info.id, "Fraud review")
    _pay(app, failed)
    with app.app_context():
        assert db.session.get(Tenant, failed.info.id).status == "suspended"
        db.session.rollback()


def test_a_lifecycle_suspension_never_changes_the_dunning_state(app, clock, failed):
    with app.app_context():
        lifecycle.suspend(failed.info.id, "Fraud review")
        lifecycle.reactivate(failed.info.id, "Cleared")
    assert _row(app, failed)["state"] == "past_due"
    assert _row(app, failed)["past_due_since"] == FAILED


def test_one_agencys_dunning_never_touches_another(app, clock, failed, other_tenant):
    _advance(app, clock, 50)
    assert _state(app, failed) == "billing_suspended"
    assert _state(app, other_tenant) == "active"
    with app.app_context():
        assert dunning.state_of(other_tenant.info.id) == "active"
    _fail(app, other_tenant)
    _pay(app, failed)
    assert _state(app, other_tenant) == "past_due"


def test_the_daily_platform_task_advances_dunning(app, clock, failed, redis):
    clock.set(FAILED + timedelta(days=15))
    with app.app_context():
        ran = platform_tasks.run_due()
    assert ran["dunning"]["read_only"] >= 1
    assert _state(app, failed) == "read_only"


def test_a_payment_dated_before_the_failure_does_not_settle_it(app, clock, failed):
    assert _pay(app, failed, FAILED - timedelta(days=3)) == "past_due"  # a late webhook
    assert _actions(app, failed) == ["dunning.past_due"]
    assert _pay(app, failed, FAILED + timedelta(hours=1)) == "active"


def test_a_payment_for_no_agency_is_refused_not_a_crash(app):
    with app.app_context(), pytest.raises(DomainError) as refusal:
        dunning.payment_failed(987654)
    assert refusal.value.status == 404


def _new_mail(app, agency, before: int) -> list[dict]:
    with app.app_context():
        box = mail.outbox(agency.slug)
    return list(reversed(box[: len(box) - before]))  # oldest first


def test_each_step_of_dunning_emails_the_owners_with_its_next_date(app, clock, tenant):
    clock.set(FAILED)
    with app.app_context():
        before = len(mail.outbox(tenant.slug))
    _fail(app, tenant)
    _advance(app, clock, 14)
    _advance(app, clock, 44)
    _pay(app, tenant)
    sent = _new_mail(app, tenant, before)
    assert [m["subject"].split(": ", 1)[1] for m in sent] == [
        "payment failed, account past due",
        "account read-only until the bill is paid",
        "account suspended for non-payment",
        "payment received, account back to normal",
    ]
    assert {m["to"] for m in sent} == {tenant.owner_email}
    read_only, suspended = sent[1]["body"], sent[2]["body"]
    # Dates in the agency's day: read-only from March 16, suspended from April 15.
    assert "since March 16, 2026" in read_only and "April 15, 2026" in read_only
    assert "since April 15, 2026 staff cannot sign in" in suspended
    assert all("Court reminders" in m["body"] for m in sent[:3])
    # No subscription, so no invoice to link: the way to pay is named instead.
    assert "Billing page" in read_only and "write to BailBondPro billing" in suspended


def test_a_repeated_failure_or_run_sends_no_second_email(app, clock, tenant):
    clock.set(FAILED)
    with app.app_context():
        before = len(mail.outbox(tenant.slug))
    _fail(app, tenant)
    _fail(app, tenant)
    _advance(app, clock, 15)
    _advance(app, clock, 16)
    assert len(_new_mail(app, tenant, before)) == 2  # past due, then read-only: once each


def test_a_purged_agency_past_due_never_stops_the_daily_task(app, clock, failed, other_tenant):
    _fail(app, other_tenant)
    with app.app_context():  # purged: the tombstone row stays, the schema is gone
        db.session.execute(text(f'DROP SCHEMA "{failed.info.schema}" CASCADE'))
        db.session.execute(
            update(Tenant).where(Tenant.id == failed.info.id).values(status="purged")
        )
        db.session.commit()
    _advance(app, clock, 15)  # no owners to tell: the move stands, and the next agency moves
    assert _state(app, failed) == "read_only"
    assert _state(app, other_tenant) == "read_only"
