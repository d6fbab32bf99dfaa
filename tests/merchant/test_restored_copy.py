"""A copy restored from an agency's archive never takes, refunds or cancels money on the
original's Stripe account: it comes back disconnected, with autopay off and its open Checkout
sessions and autopay charges closed here only (docs/payments-connect.md, "Restored copies")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.merchant import checkout, ownership, refunds
from bbp.merchant.models import (
    AutopayEnrollment,
    ConnectedAccount,
    MerchantAccount,
    OnlinePayment,
)
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.merchant import autopay_support
from tests.merchant.refunds.support import paid_online
from tests.merchant.support import connected
from tests.platform.archive_support import restored_copy
from tests.portal.conftest import make_book


@pytest.fixture
def original(app, tenant, redis, clock):
    """The tenant with its Stripe account, a payment taken online, autopay on, an open
    Checkout session and an autopay charge waiting for the payer."""
    account = connected(app, tenant)
    paid = paid_online(app, tenant, account, make_bond(app, tenant, premium="500"), 10000)
    book = make_book(app, tenant)
    autopay_support.add_plan(app, tenant, book.bond_id, "0.00", [(clock.now.date(), "200.00")])
    payer = {"kind": "cosigner", "id": book.cosigner_id}
    enrollment_id = autopay_support.enroll(app, tenant, book.bond_id, payer, account)
    autopay_support.deliver_pending(app)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.add_all(
            [
                OnlinePayment(
                    bond_id=book.bond_id,
                    source="portal",
                    status="open",
                    amount_cents=5000,
                    stripe_account_id=account,
                    checkout_session_id="cs_open_copy",
                ),
                OnlinePayment(
                    bond_id=book.bond_id,
                    source="autopay",
                    status="requires_action",
                    amount_cents=20000,
                    stripe_account_id=account,
                    autopay_id=enrollment_id,
                    payment_intent_id="pi_waiting_copy",
                ),
            ]
        )
        db.session.commit()
    return account, paid, enrollment_id


def test_the_copy_comes_back_unconnected_and_the_original_keeps_its_account(app, tenant, original):
    account, paid, enrollment_id = original
    copy = restored_copy(app, tenant)
    try:
        with app.app_context(), bound(copy, db.session):
            assert db.session.scalar(select(MerchantAccount.disconnected_at)) is not None
            assert checkout.merchant_account() is None  # no Checkout, pay link or autopay
            assert not ownership.owns(account)
            enrolled = db.session.get(AutopayEnrollment, enrollment_id)
            assert enrolled.turned_off_at is not None and enrolled.turned_off_by == "restore"
            statuses = dict(
                db.session.execute(
                    select(OnlinePayment.checkout_session_id, OnlinePayment.status).where(
                        OnlinePayment.checkout_session_id.is_not(None)
                    )
                ).all()
            )
            assert statuses["cs_open_copy"] == "expired"
            waiting = db.session.scalar(
                select(OnlinePayment).where(OnlinePayment.payment_intent_id == "pi_waiting_copy")
            )
            assert (
                waiting.status == "cancelled" and "restored from an archive" in waiting.last_error
            )
            actions = db.session.scalars(select(AuditEntry.action)).all()
            assert "merchant.disconnected" in actions and "autopay.turned_off" in actions

            online = db.session.get(OnlinePayment, paid.online_id)
            with pytest.raises(DomainError, match="does not own") as refused:
                refunds.ask(online, Decimal("10.00"), "copy", _anyone())
            assert refused.value.status == 409
            db.session.rollback()

        with app.app_context():
            [mapped] = db.session.scalars(
                select(ConnectedAccount).where(ConnectedAccount.stripe_account_id == account)
            ).all()
            assert mapped.tenant_id == tenant.info.id and mapped.released_at is None
        with app.app_context(), bound(tenant.info, db.session):
            assert checkout.merchant_account().stripe_account_id == account
            assert db.session.get(AutopayEnrollment, enrollment_id).turned_off_at is None
            assert (
                db.session.scalar(
                    select(OnlinePayment.status).where(
                        OnlinePayment.checkout_session_id == "cs_open_copy"
                    )
                )
                == "open"
            )
    finally:
        with app.app_context():
            drop_tenant(copy.slug)


def _anyone():
    class Someone:
        id = None
        email = "manager@example.com"
        name = "Manager"

    return Someone()
