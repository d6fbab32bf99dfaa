"""Disconnecting: by the owner (typed confirmation), and when the agency is deleted; autopay is
turned off and open Checkout sessions expired; reconnecting makes a new account."""

from __future__ import annotations

import json

import pytest
from rq import Queue
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant import disconnecting
from bbp.merchant.models import AutopayEnrollment, MerchantAccount, OnlinePayment
from bbp.platform import lifecycle
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.context import bound
from tests.billing.support import calls
from tests.factories import make_bond
from tests.merchant.support import connect, connected, fake, map_rows, merchant_row, onboard
from tests.platform.conftest import page_text


def _enroll(app, agency, bond_id: int) -> int:
    with app.app_context(), bound(agency.info, db.session):
        enrollment = AutopayEnrollment(
            bond_id=bond_id,
            payer={"kind": "defendant", "id": 1},
            payer_name="Ray Doe",
            authorization_sha256="0" * 64,
            authorized_at=utcnow(),
            active_since=utcnow(),
        )
        db.session.add(enrollment)
        db.session.commit()
        return enrollment.id


def _open_checkout(app, agency, bond_id: int, account: str) -> int:
    with app.app_context(), bound(agency.info, db.session):
        payment = OnlinePayment(
            bond_id=bond_id,
            source="portal",
            amount_cents=5000,
            stripe_account_id=account,
            checkout_session_id="cs_test_open_one",
        )
        db.session.add(payment)
        db.session.commit()
        return payment.id


def _row(app, agency, model, row_id: int):
    with app.app_context(), bound(agency.info, db.session):
        found = db.session.get(model, row_id)
        db.session.expunge(found)
        db.session.rollback()
        return found


@pytest.fixture
def expiring(app, monkeypatch):
    """Stripe's answer to expiring a Checkout session (the Checkout part's fake holds sessions;
    this answers the one call, through the real SDK, and records its Stripe-Account header)."""
    seen = []
    with app.app_context():
        stripe = fake(app)
    answer = stripe.request

    def request(method, url, headers, post_data=None, **kwargs):
        if "/v1/checkout/sessions/" in url and url.endswith("/expire"):
            seen.append((url.split("/")[-2], headers.get("Stripe-Account")))
            session = {"id": url.split("/")[-2], "object": "checkout.session", "status": "expired"}
            return json.dumps(session), 200, {}
        return answer(method, url, headers, post_data, **kwargs)

    monkeypatch.setattr(stripe, "request", request)
    return seen


def test_the_owner_must_type_the_word(app, owner, tenant):
    onboard(owner, connect(owner))
    owner.get("/settings/payments/disconnect")
    response = owner.post("/settings/payments/disconnect", {"confirm": "yes"})
    assert response.status_code == 422
    page = page_text(response)
    assert 'id="confirm-error"' in response.get_data(as_text=True)
    assert "Type DISCONNECT to confirm." in page
    assert merchant_row(app, tenant).disconnected_at is None


def test_disconnecting_stops_payments_autopay_and_open_checkouts(app, owner, tenant, expiring):
    onboard(owner, connect(owner))
    account = merchant_row(app, tenant).stripe_account_id
    bond_id = make_bond(app, tenant)
    enrollment_id = _enroll(app, tenant, bond_id)
    payment_id = _open_checkout(app, tenant, bond_id, account)
    owner.get("/settings/payments/disconnect")
    response = owner.post("/settings/payments/disconnect", {"confirm": "disconnect"})
    assert response.status_code == 303
    assert merchant_row(app, tenant).disconnected_at is not None
    assert map_rows(app, tenant)[0].released_at is not None
    enrollment = _row(app, tenant, AutopayEnrollment, enrollment_id)
    assert enrollment.turned_off_at is not None and enrollment.turned_off_by
    assert expiring == [("cs_test_open_one", account)]
    assert _row(app, tenant, OnlinePayment, payment_id).status == "expired"
    with app.app_context(), bound(tenant.info, db.session):
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"merchant.disconnected", "autopay.turned_off"} <= set(actions)
    page = owner.get("/settings/payments").get_data(as_text=True)
    assert "Connect with Stripe" in page


def test_reconnecting_makes_a_new_account(app, owner, tenant):
    connect(owner)
    first = merchant_row(app, tenant).stripe_account_id
    owner.get("/settings/payments/disconnect")
    owner.post("/settings/payments/disconnect", {"confirm": "DISCONNECT"})
    connect(owner)
    second = merchant_row(app, tenant).stripe_account_id
    assert second != first
    keys = [key for _, _, key in calls(app, "POST", "/v1/accounts")]
    assert keys[0].endswith("connect-account-1") and keys[1].endswith("connect-account-2")
    assert [row.released_at is None for row in map_rows(app, tenant)] == [False, True]


def test_disconnecting_what_is_not_connected_is_a_404_page(app, owner):
    assert owner.get("/settings/payments/disconnect").status_code == 404
    response = owner.post("/settings/payments/disconnect", {"confirm": "DISCONNECT"})
    assert response.status_code == 303  # said on the settings page
    assert "not connected" in page_text(owner.get("/settings/payments"))


def _queued(app) -> list[str]:
    queue = Queue("default", connection=app.extensions["redis"])
    return [job.func_name for job in queue.jobs]


def test_deleting_the_agency_disconnects_its_account(app, owner, tenant):
    connect(owner)
    Queue("default", connection=app.extensions["redis"]).empty()
    with app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "closing down", tenant.slug, "test")
    assert "bbp.merchant.disconnecting.disconnect_job" in _queued(app)
    with app.app_context():
        assert disconnecting.disconnect_deleted(tenant.info.id) == "disconnected"
        assert disconnecting.disconnect_deleted(tenant.info.id) == "nothing connected"
    assert merchant_row(app, tenant).disconnected_at is not None
    assert map_rows(app, tenant)[0].released_at is not None
    with app.app_context():
        logged = db.session.scalars(
            select(PlatformAuditEntry.action).where(
                PlatformAuditEntry.target_id == str(tenant.info.id)
            )
        ).all()
    assert "merchant.disconnected" in logged


def test_an_undone_deletion_keeps_the_account(app, owner, tenant):
    connect(owner)
    with app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "closing down", tenant.slug, "test")
        lifecycle.undo_deletion(tenant.info.id, "changed our minds", "test")
        assert disconnecting.disconnect_deleted(tenant.info.id) == "deletion undone"
    assert merchant_row(app, tenant).disconnected_at is None


def test_disconnecting_an_account_mapped_to_another_agency_leaves_its_map_alone(
    app, owner, tenant, other_tenant
):
    """A restored archive's rows can name another agency's account: disconnecting it here
    stops it here, and never releases the other agency's `public.connected_accounts` row."""
    theirs = connected(app, other_tenant)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.add(MerchantAccount(stripe_account_id=theirs, charges_enabled=True))
        db.session.commit()
    owner.get("/settings/payments/disconnect")
    response = owner.post("/settings/payments/disconnect", {"confirm": "DISCONNECT"})
    assert response.status_code == 303
    assert merchant_row(app, tenant).disconnected_at is not None
    assert [row.released_at for row in map_rows(app, other_tenant)] == [None]
