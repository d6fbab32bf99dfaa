"""The revision that keeps an enrollment's card session and a payout's account fills both for
rows made before it, exactly from what was kept, and leaves NULL what cannot be known."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bbp.extensions import db
from bbp.merchant.models import AutopayEnrollment, OnlinePayment, Payout
from bbp.tenancy.context import bound
from tests.factories import make_bond
from tests.merchant.refunds.support import paid_online
from tests.merchant.refunds.test_payout_accounts import _reconnected
from tests.merchant.refunds.test_payouts import _pay_out, _payout_id
from tests.merchant.support import connected
from tests.revisions import upgraded_from

BEFORE = "c7a9e1d3f5b2"  # the tenant revision before these columns
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def _enrollment(bond_id: int, setup_session: str | None, active: bool) -> AutopayEnrollment:
    row = AutopayEnrollment(
        bond_id=bond_id,
        payer={"kind": "defendant", "id": 1},
        payer_name="Ray Reyes",
        authorization_sha256="0" * 64,
        authorized_at=NOV,
        setup_session_id=setup_session,
        active_since=NOV if active else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _card_payment(bond_id: int, enrollment: AutopayEnrollment, session: str, account: str):
    db.session.add(
        OnlinePayment(
            bond_id=bond_id,
            source="portal",
            status="succeeded",
            amount_cents=1000,
            stripe_account_id=account,
            checkout_session_id=session,
            save_card=True,
            autopay_id=enrollment.id,
        )
    )


def _bare_payout(stripe_id: str) -> None:
    db.session.add(Payout(stripe_payout_id=stripe_id, amount_cents=1, status="paid", created=NOV))


def test_the_revision_fills_what_was_kept_and_leaves_the_unknowable_empty(
    app, tenant, other_tenant
):
    first = connected(app, tenant)
    paid_online(app, tenant, first, make_bond(app, tenant), 10000)
    matched = _payout_id(app, tenant, _pay_out(app, first)["id"])
    bonds = [make_bond(app, tenant) for _ in range(3)]
    second = _reconnected(app, tenant, first)  # two accounts: a bare payout is unknowable
    theirs = connected(app, other_tenant)
    with app.app_context(), bound(tenant.info, db.session):
        by_setup = _enrollment(bonds[0], "cs_setup_one", active=True)
        by_payment = _enrollment(bonds[1], None, active=True)
        _card_payment(bonds[1], by_payment, "cs_pay_earlier", second)
        _card_payment(bonds[1], by_payment, "cs_pay_latest", second)
        waiting = _enrollment(bonds[2], "cs_setup_open", active=False)
        _bare_payout("po_unknowable")
        db.session.commit()
        ids = by_setup.id, by_payment.id, waiting.id
    with app.app_context(), bound(other_tenant.info, db.session):
        _bare_payout("po_only_account")
        db.session.commit()

    upgraded_from(app, tenant.info.schema, BEFORE)
    upgraded_from(app, other_tenant.info.schema, BEFORE)

    with app.app_context(), bound(tenant.info, db.session):
        sessions = [db.session.get(AutopayEnrollment, i).card_session_id for i in ids]
        assert sessions == ["cs_setup_one", "cs_pay_latest", None]
        accounts = dict(db.session.execute(select(Payout.id, Payout.stripe_account_id)).all())
        unknowable = db.session.scalar(
            select(Payout.id).where(Payout.stripe_payout_id == "po_unknowable")
        )
        assert accounts == {matched: first, unknowable: None}
    with app.app_context(), bound(other_tenant.info, db.session):
        assert db.session.scalars(select(Payout.stripe_account_id)).all() == [theirs]
