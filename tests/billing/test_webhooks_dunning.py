"""Dunning driven by Stripe's events through the real endpoint, on the frozen clock; the
console's simulated payments run through the fake Stripe when the agency subscribes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bbp.billing import dunning, stripe_api
from bbp.extensions import db
from bbp.kernel import mail
from bbp.kernel.links import tenant_url
from bbp.platform import lifecycle
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant
from tests.billing.stripe_events import account, deliver, deliver_pending, fake, subscribe, take
from tests.billing.test_dunning import FAILED, _state
from tests.platform.conftest import page_text


def _advance_to(app, clock, moment) -> None:
    clock.set(moment)
    with app.app_context():
        dunning.advance_due()


@pytest.fixture
def paying(app, redis, clock, tenant):
    """An agency whose trial ended (a $0 invoice) before the day its payment fails."""
    clock.set(FAILED - timedelta(days=20))
    sub = subscribe(app, tenant).stripe_subscription_id
    fake(app).issue_invoice(sub)
    assert set(deliver_pending(app)) == {200}
    clock.set(FAILED)
    tenant.subscription = sub
    return tenant


def test_the_whole_dunning_path_through_webhooks(app, clock, paying):
    failed = fake(app).issue_invoice(paying.subscription, outcome="failed")
    assert set(deliver_pending(app)) == {200}
    assert _state(app, paying) == "past_due"
    assert account(app, paying).subscription_status == "past_due"
    with app.app_context():
        assert dunning.find(paying.info.id).past_due_since == FAILED

    _advance_to(app, clock, FAILED + timedelta(days=13, hours=23))
    assert _state(app, paying) == "past_due"
    _advance_to(app, clock, FAILED + timedelta(days=14))
    assert _state(app, paying) == "read_only"
    _advance_to(app, clock, FAILED + timedelta(days=44))
    assert _state(app, paying) == "billing_suspended"

    clock.advance(days=1)
    fake(app).settle(failed["id"])
    assert set(deliver_pending(app)) == {200}
    assert _state(app, paying) == "active"
    assert account(app, paying).subscription_status == "active"
    with app.app_context():
        actions = db.session.scalars(
            select(PlatformAuditEntry.action)
            .where(
                PlatformAuditEntry.target_id == str(paying.info.id),
                PlatformAuditEntry.action.like("dunning.%"),
            )
            .order_by(PlatformAuditEntry.id)
        ).all()
    assert actions == [
        "dunning.past_due",
        "dunning.read_only",
        "dunning.billing_suspended",
        "dunning.active",
    ]


def test_a_payment_never_lifts_an_admins_suspension(app, clock, paying):
    fake(app).issue_invoice(paying.subscription, outcome="failed")
    failed_id = take(app)
    with app.app_context():
        lifecycle.suspend(paying.info.id, "Fraud review")
    deliver(app, failed_id)
    assert _state(app, paying) == "past_due"
    with app.app_context():
        open_invoice = stripe_api.client().v1.invoices.list(
            params={"customer": account(app, paying).stripe_customer_id, "status": "open"}
        )
        stripe_api.client().v1.invoices.pay(open_invoice.data[0].id)
    assert set(deliver_pending(app)) == {200}
    assert _state(app, paying) == "active"
    with app.app_context():
        assert db.session.get(Tenant, paying.info.id).status == "suspended"


def test_a_late_failure_after_the_payment_leaves_the_agency_active(app, clock, paying):
    failed = fake(app).issue_invoice(paying.subscription, outcome="failed")
    failure_events = take(app)
    clock.advance(hours=3)
    fake(app).settle(failed["id"])
    assert set(deliver_pending(app)) == {200}  # the payment first
    assert set(deliver(app, failure_events)) == {200}  # then the failure, late
    assert _state(app, paying) == "active"
    with app.app_context():
        assert (
            dunning.find(paying.info.id) is None or dunning.find(paying.info.id).state == "active"
        )


# The console's simulated payments ------------------------------------------------------------
def _simulate(console, agency, outcome: str, htmx: bool = False):
    console.get(f"/platform/agencies/{agency.slug}")
    return console.post(
        f"/platform/agencies/{agency.info.id}/billing/simulate-{outcome}", htmx=htmx
    )


def test_simulating_runs_a_real_cycle_through_the_fake_and_the_webhook(app, console_as, paying):
    console = console_as("superadmin")
    response = _simulate(console, paying, "failure", htmx=True)
    assert response.status_code == 200 and "Past due" in page_text(response)
    assert _state(app, paying) == "past_due"
    customer = account(app, paying).stripe_customer_id
    with app.app_context():
        client = stripe_api.client()
        open_ones = client.v1.invoices.list(params={"customer": customer, "status": "open"})
        assert len(open_ones.data) == 1 and open_ones.data[0].amount_due == 9900
        assert fake(app).pending_events() == []  # every event went through the endpoint

    response = _simulate(console, paying, "recovery", htmx=True)
    assert "Paid up" in page_text(response)
    assert _state(app, paying) == "active"
    with app.app_context():
        paid = client.v1.invoices.retrieve(open_ones.data[0].id)
        assert paid.status == "paid"
        entries = db.session.execute(
            select(PlatformAuditEntry.action, PlatformAuditEntry.actor_label)
            .where(PlatformAuditEntry.target_id == str(paying.info.id))
            .where(
                PlatformAuditEntry.action.like("%simulated%")
                | PlatformAuditEntry.action.like("dunning.%")
            )
            .order_by(PlatformAuditEntry.id)
        ).all()
    assert [tuple(e) for e in entries] == [
        ("billing.simulated_failure", console.email),
        ("dunning.past_due", "Stripe"),
        ("billing.simulated_recovery", console.email),
        ("dunning.active", "Stripe"),
    ]


def test_simulating_a_failure_in_a_trial_ends_the_trial_then_fails_the_first_month(
    app, console_as, redis, clock, tenant
):
    subscribe(app, tenant)
    take(app)
    console = console_as("superadmin")
    assert _simulate(console, tenant, "failure").status_code == 302
    assert _state(app, tenant) == "past_due"
    assert account(app, tenant).subscription_status == "past_due"


@pytest.mark.parametrize("role", ["support", "finance"])
def test_only_superadmins_simulate_through_the_fake(app, console_as, paying, role):
    console = console_as(role)
    for outcome in ("failure", "recovery"):
        assert _simulate(console, paying, outcome).status_code == 403
    assert _state(app, paying) == "active"
    with app.app_context():
        customer = account(app, paying).stripe_customer_id
        invoices = stripe_api.client().v1.invoices.list(params={"customer": customer})
    assert [inv.amount_due for inv in invoices.data] == [0]  # the trial's only


def test_with_a_stripe_key_simulating_is_a_404_and_bills_nothing(
    app, console_as, paying, monkeypatch
):
    console = console_as("superadmin")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_configured")
    assert _simulate(console, paying, "failure").status_code == 404
    with app.app_context():
        customer = account(app, paying).stripe_customer_id
        invoices = stripe_api.client().v1.invoices.list(params={"customer": customer})
    assert len(invoices.data) == 1


def test_the_owners_emails_link_the_open_invoice_to_pay_without_signing_in(app, clock, paying):
    failed = fake(app).issue_invoice(paying.subscription, outcome="failed")
    deliver_pending(app)
    _advance_to(app, clock, FAILED + timedelta(days=14))
    _advance_to(app, clock, FAILED + timedelta(days=44))
    with app.app_context():
        sent = [m for m in mail.outbox(paying.slug) if "BailBondPro bill" in m["body"]]
        sent += [m for m in mail.outbox(paying.slug) if "payment failed" in m["subject"]]
        link = tenant_url(paying.info, failed["hosted_invoice_url"])  # a mail reader needs the host
    assert len(sent) == 3  # suspended, read-only (newest first), then past due
    assert link.startswith("http") and all(f"{link}\n" in m["body"] for m in sent)


def test_a_later_paid_invoice_leaves_the_agency_owing_an_older_one_past_due(app, clock, paying):
    first = fake(app).issue_invoice(paying.subscription, outcome="failed")  # month 1: unpaid
    deliver_pending(app)
    clock.set(FAILED + timedelta(days=31))
    fake(app).issue_invoice(paying.subscription)  # month 2 paid, month 1 still open
    deliver_pending(app)
    assert _state(app, paying) == "past_due"
    with app.app_context():
        stripe_api.fake().settle(first["id"])  # month 1 paid at last
    deliver_pending(app)
    assert _state(app, paying) == "active"
