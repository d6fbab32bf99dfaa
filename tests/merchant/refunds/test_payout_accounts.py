"""A payout is refreshed from the Stripe account it paid out of, also after the agency
disconnected that account and connected another (docs/payments-refunds.md, "Payouts")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.merchant.models import ConnectedAccount, MerchantAccount, Payout, PayoutLine
from bbp.tenancy.context import bound
from tests.factories import make_bond
from tests.merchant.refunds.support import paid_online
from tests.merchant.refunds.test_payouts import _pay_out, _payout_id
from tests.merchant.support import connected
from tests.support import unmarked


def _reconnected(app, agency, earlier: str) -> str:
    """The agency disconnects `earlier` (as disconnecting does) and connects a new account."""
    with app.app_context():
        db.session.execute(
            update(ConnectedAccount)
            .where(ConnectedAccount.stripe_account_id == earlier)
            .values(released_at=utcnow())
        )
        db.session.commit()
        with bound(agency.info):
            db.session.execute(update(MerchantAccount).values(disconnected_at=utcnow()))
            db.session.commit()
    return connected(app, agency)


def _forget(app, agency, row_id: int, account: bool = False) -> None:
    """Drop the payout's lines (and, for a payout read before accounts were kept, its account)."""
    with app.app_context(), bound(agency.info, db.session):
        db.session.execute(delete(PayoutLine).where(PayoutLine.payout_id == row_id))
        if account:
            db.session.execute(
                update(Payout).where(Payout.id == row_id).values(stripe_account_id=None)
            )
        db.session.commit()


def _account_of(app, agency, row_id: int) -> str | None:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(select(Payout.stripe_account_id).where(Payout.id == row_id))


def _refreshed(manager, row_id: int) -> str:
    response = manager.post(f"/payouts/{row_id}/refresh")
    assert response.status_code == 303
    return unmarked(manager.get(response.headers["Location"]).get_data(as_text=True))


def test_a_payout_of_a_disconnected_account_is_refreshed_from_that_account(app, tenant, manager):
    first = connected(app, tenant)
    paid_online(app, tenant, first, make_bond(app, tenant), 10000)
    row_id = _payout_id(app, tenant, _pay_out(app, first)["id"])
    assert _account_of(app, tenant, row_id) == first
    page = unmarked(manager.get(f"/payouts/{row_id}").get_data(as_text=True))
    assert "earlier Stripe account" not in page
    second = _reconnected(app, tenant, first)
    _forget(app, tenant, row_id)
    page = _refreshed(manager, row_id)
    assert "Read 1 lines from Stripe." in page and "R-000001" in page
    assert f"from your earlier Stripe account {first}" in page and second not in page
    assert _account_of(app, tenant, row_id) == first


def test_a_payout_read_before_accounts_were_kept_is_found_on_an_earlier_account(
    app, tenant, manager
):
    first = connected(app, tenant)
    paid_online(app, tenant, first, make_bond(app, tenant), 10000)
    row_id = _payout_id(app, tenant, _pay_out(app, first)["id"])
    _reconnected(app, tenant, first)
    _forget(app, tenant, row_id, account=True)
    page = _refreshed(manager, row_id)  # the new account has no such payout; the first has
    assert "Read 1 lines from Stripe." in page and "R-000001" in page
    assert _account_of(app, tenant, row_id) == first


def test_a_payout_no_account_of_the_agency_has_is_refused_with_a_reason(app, tenant, manager):
    connected(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        row = Payout(
            stripe_payout_id="po_nowhere",
            amount_cents=1000,
            status="paid",
            created=datetime(2026, 11, 1, tzinfo=UTC),
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    page = _refreshed(manager, row_id)
    assert "none of your Stripe accounts has this payout" in page
    assert _account_of(app, tenant, row_id) is None


def test_another_agencys_accounts_are_never_tried(app, tenant, other_tenant, manager):
    """A payout of the other agency's account, copied here without its account, is not found:
    only this agency's own accounts are asked."""
    theirs = connected(app, other_tenant)
    paid_online(app, other_tenant, theirs, make_bond(app, other_tenant), 10000)
    payout = _pay_out(app, theirs)
    connected(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        row = Payout(stripe_payout_id=payout["id"], amount_cents=1, status="paid", created=utcnow())
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    page = _refreshed(manager, row_id)
    assert "none of your Stripe accounts has this payout" in page
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalar(select(db.func.count()).select_from(PayoutLine)) == 0


def _copied(app, agency, theirs: str, payout: dict, keep_account: bool) -> int:
    """The other agency's account and payout in this agency's schema, as restoring the other
    agency's archive into this one leaves them (only `public.connected_accounts` says whose
    an account is); returns the payout row's id."""
    with app.app_context(), bound(agency.info, db.session):
        db.session.add(MerchantAccount(stripe_account_id=theirs, synced_at=utcnow()))
        row = Payout(
            stripe_payout_id=payout["id"],
            stripe_account_id=theirs if keep_account else None,
            amount_cents=1,
            status="paid",
            created=utcnow(),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


@pytest.mark.parametrize("keep_account", [True, False], ids=["kept", "found"])
def test_an_account_mapped_to_another_agency_is_never_read(
    app, tenant, other_tenant, manager, keep_account
):
    theirs = connected(app, other_tenant)
    paid_online(app, other_tenant, theirs, make_bond(app, other_tenant), 10000)
    payout = _pay_out(app, theirs)
    connected(app, tenant)
    row_id = _copied(app, tenant, theirs, payout, keep_account)
    page = _refreshed(manager, row_id)
    assert "none of your Stripe accounts has this payout" in page
    assert "Read 1 lines" not in page
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalar(select(db.func.count()).select_from(PayoutLine)) == 0
        assert db.session.get(Payout, row_id).amount_cents == 1  # nothing read from theirs
