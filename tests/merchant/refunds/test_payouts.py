"""The payouts page: each payout as Stripe has it, its balance transactions matched to bonds
and receipts, gross, fees and net adding up to what reached the bank."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.merchant import payouts
from bbp.merchant.models import Payout, PayoutLine
from bbp.tenancy.context import bound
from tests.factories import make_bond
from tests.merchant.refunds.support import ledger, paid_online, signed_in
from tests.merchant.support import connected, fake
from tests.support import unmarked


@pytest.fixture
def account(app, tenant):
    return connected(app, tenant)


def _pay_out(app, account: str) -> dict:
    stub = fake(app)
    with stub.acting_as(account):
        payout = stub.pay_out()
    fake_delivery.deliver_pending(app)
    return payout


def _payout_id(app, agency, stripe_id: str) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(select(Payout.id).where(Payout.stripe_payout_id == stripe_id))


def test_a_payout_lists_its_payments_refunds_and_fees_matched_to_receipts(
    app, tenant, account, manager
):
    first, second = make_bond(app, tenant, premium="500"), make_bond(app, tenant, premium="800")
    one = paid_online(app, tenant, account, first, 10000, fee=320)
    paid_online(app, tenant, account, second, 25000, fee=800)
    manager.post(f"/refunds/receipts/{one.payment_id}", {"amount": "40", "reason": "Overpaid"})
    fake_delivery.deliver_pending(app)
    [*_, refund_entry] = ledger(app, tenant, first)
    with fake(app).acting_as(account):  # a charge BailBondPro did not take (Dashboard sale)
        fake(app).paid_charge(5000)
    payout = _pay_out(app, account)
    # Charges: 10000 - (320 + 2.9% + 30) and 25000 - (800 + 725 + 30) and 5000 - 175;
    # the refund: -4000 with 128 of the platform's fee back.
    assert payout["amount"] == (10000 - 640) + (25000 - 1555) + (5000 - 175) - (4000 - 128)
    row_id = _payout_id(app, tenant, payout["id"])
    page = unmarked(manager.get(f"/payouts/{row_id}").get_data(as_text=True))
    assert "Net to your bank" in page and f"${payout['amount'] / 100:,.2f}" in page
    assert "refresh from Stripe" not in page  # the lines add up to the payout
    for receipt in ("R-000001", "R-000002", refund_entry[0]):
        assert receipt in page
    assert "Not a BailBondPro payment" in page
    assert f'href="/bonds/{first}"' in page and f'href="/bonds/{second}"' in page
    assert "$100.00" in page and "-$6.40" not in page and "$6.40" in page
    assert "-$40.00" in page and "-$1.28" in page
    assert re.search(r'id="payout-standing">Paid on [A-Z][a-z]{2} \d{1,2}, \d{4} ·', page)
    assert "arrives" not in page
    listing = unmarked(manager.get("/payouts/").get_data(as_text=True))
    assert f"${payout['amount'] / 100:,.2f}" in listing and "Paid" in listing


def test_payout_events_in_any_order_keep_the_latest_state(app, tenant, account):
    bond_id = make_bond(app, tenant)
    paid_online(app, tenant, account, bond_id, 10000)
    stub = fake(app)
    with stub.acting_as(account):
        payout = stub.pay_out()
    events = stub.take_pending()
    fake_delivery.deliver([*reversed(events), *events], app)
    with app.app_context(), bound(tenant.info, db.session):
        row = db.session.scalar(select(Payout))
        lines = db.session.scalar(select(db.func.count()).select_from(PayoutLine))
        assert (row.stripe_payout_id, row.status, row.amount_cents) == (payout["id"], "paid", 9680)
        assert lines == 1


def test_a_failed_payout_says_so(app, tenant, account, manager):
    paid_online(app, tenant, account, make_bond(app, tenant), 10000)
    payout = _pay_out(app, account)
    with fake(app).acting_as(account):
        fake(app).fail_payout(payout["id"])
    fake_delivery.deliver_pending(app)
    page = manager.get(f"/payouts/{_payout_id(app, tenant, payout['id'])}").get_data(as_text=True)
    assert "The bank returned this payout: The bank account has been closed." in page


def test_refresh_from_stripe_reads_the_lines_again_every_page(app, tenant, account, manager):
    stub = fake(app)
    with stub.acting_as(account):
        for _ in range(105):  # more than one page of Stripe's list, and of ours
            stub.paid_charge(1000)
    payout = _pay_out(app, account)
    row_id = _payout_id(app, tenant, payout["id"])
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(delete(PayoutLine))
        db.session.commit()
    assert "No lines read yet" in manager.get(f"/payouts/{row_id}").get_data(as_text=True)
    response = manager.post(f"/payouts/{row_id}/refresh")
    assert response.status_code == 303
    assert "Read 105 lines from Stripe." in manager.get(response.headers["Location"]).get_data(
        as_text=True
    )
    second = manager.get(f"/payouts/{row_id}?page=3", htmx=True).get_data(as_text=True)
    assert "<html" not in second and "Page 3 of 3" in second and "105 in all" in second
    gets = [p for m, p, _ in stub.requests if p == "/v1/balance_transactions"]
    assert len(gets) >= 2


def test_the_payouts_list_paginates(app, tenant, manager):
    with app.app_context(), bound(tenant.info, db.session):
        for n in range(31):
            db.session.add(
                Payout(
                    stripe_payout_id=f"po_page{n}",
                    amount_cents=1000 + n,
                    status="paid",
                    created=datetime(2026, 11, 1, tzinfo=UTC).replace(hour=n % 24, minute=n),
                )
            )
        db.session.commit()
    first = unmarked(manager.get("/payouts/").get_data(as_text=True))
    assert "Page 1 of 2" in first and "$10.00" not in first
    assert "$10.00" in unmarked(manager.get("/payouts/?page=2").get_data(as_text=True))


def test_development_button_pays_the_balance_out(app, tenant, account, manager):
    paid_online(app, tenant, account, make_bond(app, tenant), 10000)
    assert "pay out the balance" in manager.get("/payouts/").get_data(as_text=True)
    assert manager.post("/dev/stripe/payouts").status_code == 303
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalar(select(Payout.amount_cents)) == 9680
    again = manager.post("/dev/stripe/payouts")
    assert "Nothing is available to pay out." in manager.get(again.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_only_managers_and_owners_see_payouts(app, visit, tenant, account, role):
    paid_online(app, tenant, account, make_bond(app, tenant), 10000)
    row_id = _payout_id(app, tenant, _pay_out(app, account)["id"])
    staff = signed_in(app, visit, tenant, role)
    assert staff.get("/payouts/").status_code == 403
    assert staff.get(f"/payouts/{row_id}").status_code == 403
    assert staff.post(f"/payouts/{row_id}/refresh").status_code == 403
    assert staff.post("/dev/stripe/payouts").status_code == 403


def test_another_agency_cannot_reach_a_payout(app, visit, tenant, other_tenant, account):
    paid_online(app, tenant, account, make_bond(app, tenant), 10000)
    payout = _pay_out(app, account)
    row_id = _payout_id(app, tenant, payout["id"])
    connected(app, other_tenant)
    theirs = signed_in(app, visit, other_tenant, "owner")
    assert theirs.get(f"/payouts/{row_id}").status_code == 404
    assert theirs.post(f"/payouts/{row_id}/refresh").status_code == 404
    assert payout["id"] not in theirs.get("/payouts/").get_data(as_text=True)
    theirs.post("/dev/stripe/payouts")  # their own account: nothing to pay out
    with app.app_context(), bound(other_tenant.info, db.session):
        assert db.session.scalar(select(db.func.count()).select_from(Payout)) == 0


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("paid", "Paid on Dec 2, 2026"),
        ("in_transit", "In transit · arrives Dec 2, 2026"),
        ("pending", "Pending · arrives Dec 2, 2026"),
        ("failed", "Failed"),
        ("canceled", "Canceled"),
    ],
)
def test_a_payout_says_paid_on_or_arrives_by_its_status(status, words):
    assert payouts.standing(Payout(status=status, arrival_date=date(2026, 12, 2))) == words
    assert (
        payouts.standing(Payout(status=status, arrival_date=None))
        == (payouts.STATUS_LABELS[status])
    )
