"""Disputes: kept as Stripe has them whatever the order of their events, flagged on the bond
and the dashboard while open, and a lost one entered in the ledger once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.merchant.models import Dispute
from bbp.tenancy.context import bound
from tests.merchant.refunds.support import ledger, refund_rows, signed_in
from tests.merchant.support import fake
from tests.support import unmarked

OPENED_AT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _open(app, paid) -> tuple[str, list[str]]:
    stub = fake(app)
    with stub.acting_as(paid.account):
        dispute = stub.open_dispute(paid.charge, "fraudulent")
    return dispute["id"], stub.take_pending()


def _close(app, paid, dispute_id: str, won: bool) -> list[str]:
    stub = fake(app)
    with stub.acting_as(paid.account):
        stub.close_dispute(dispute_id, won=won)
    return stub.take_pending()


def _rows(app, agency) -> list[tuple[str, str, int, int | None, str]]:
    with app.app_context(), bound(agency.info, db.session):
        return [
            (d.stripe_dispute_id, d.status, d.amount_cents, d.bond_id, d.reason)
            for d in db.session.scalars(select(Dispute).order_by(Dispute.id))
        ]


def test_an_open_dispute_is_flagged_on_the_bond_with_its_deadline(
    app, clock, tenant, paid, manager
):
    clock.set(OPENED_AT)
    paid, bond_id = paid
    dispute_id, events = _open(app, paid)
    assert fake_delivery.deliver(events, app) == [200, 200]
    assert _rows(app, tenant) == [(dispute_id, "needs_response", 10000, bond_id, "fraudulent")]
    page = unmarked(manager.get(f"/bonds/{bond_id}").get_data(as_text=True))
    assert "Disputed payment: $100.00" in page and "Needs a response" in page
    # Due a week on, shown on the agency's clock (New York unless set otherwise).
    assert "Evidence due by <strong>Dec 7, 2026 10:00 AM</strong>" in page
    assert "The cardholder says they did not make this payment (fraudulent)" in page
    # Development's fake Stripe: "Respond" leads to its stand-in, not to a Dashboard that has
    # never heard of the account.
    assert f'href="/dev/stripe/dashboard/disputes/{dispute_id}"' in page
    assert "dashboard.stripe.com" not in page
    fragment = manager.get("/disputes/open", htmx=True).get_data(as_text=True)
    assert (
        "<html" not in fragment and "Open disputes" in fragment and "$100.00" in unmarked(fragment)
    )
    dashboard = manager.get("/dashboard/").get_data(as_text=True)
    assert 'hx-get="/disputes/open"' in dashboard and 'href="/disputes/"' in dashboard
    listing = unmarked(manager.get("/disputes/").get_data(as_text=True))
    assert "Needs a response" in listing and "$100.00" in listing
    assert "The cardholder says they did not make this payment (fraudulent)" in listing


def test_a_lost_dispute_enters_a_refund_once_whatever_the_order(app, tenant, paid, manager):
    paid, bond_id = paid
    dispute_id, opened = _open(app, paid)
    closed = _close(app, paid, dispute_id, won=False)
    # closed arrives before created; then everything again.
    assert set(fake_delivery.deliver([*closed, *opened, *closed, *opened], app)) == {200}
    assert _rows(app, tenant)[0][1] == "lost"
    assert ledger(app, tenant, bond_id)[1:] == [("R-000002", "refund", "100.00", dispute_id)]
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Disputed payment" not in page
    assert manager.get("/disputes/open", htmx=True).get_data(as_text=True).strip() == ""


def test_a_won_dispute_leaves_the_ledger_alone(app, tenant, paid, manager):
    paid, bond_id = paid
    dispute_id, opened = _open(app, paid)
    fake_delivery.deliver(opened + _close(app, paid, dispute_id, won=True), app)
    assert _rows(app, tenant)[0][1] == "won"
    assert [e[1] for e in ledger(app, tenant, bond_id)] == ["premium"]


def test_an_open_dispute_refuses_refunds_in_plain_words_before_asking_stripe(
    app, tenant, paid, manager
):
    paid, _ = paid
    fake_delivery.deliver(_open(app, paid)[1], app)
    form = unmarked(manager.get(f"/refunds/receipts/{paid.payment_id}").get_data(as_text=True))
    assert "the dispute is still open. Stripe does not refund a disputed payment" in form
    assert "Refund through Stripe" not in form
    refused = manager.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": "10", "reason": "Goodwill"}
    )
    page = unmarked(refused.get_data(as_text=True))
    assert refused.status_code == 409
    assert "disputed $100.00 of this payment and the dispute is still open" in page
    assert "charged back" not in page and paid.charge not in page
    assert refund_rows(app, tenant) == []
    assert not any(path == "/v1/refunds" for _, path, _ in fake(app).requests)


def test_a_refusal_from_stripe_is_plain_words_and_a_refused_row(app, tenant, paid, manager):
    """The dispute's events have not reached us yet, so Stripe is asked and refuses."""
    paid, bond_id = paid
    _open(app, paid)  # its events stay undelivered
    refused = manager.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": "10", "reason": "Goodwill"}
    )
    page = unmarked(refused.get_data(as_text=True))
    assert refused.status_code == 409 and "field-error" in page
    assert "has disputed this payment, and Stripe does not refund a disputed payment" in page
    assert "charged back" not in page and paid.charge not in page
    assert 'value="10"' in page and "Goodwill" in page  # what was typed stays
    assert [(r[1], r[2], r[3]) for r in refund_rows(app, tenant)] == [("refused", None, False)]
    assert "Refused by Stripe" in page
    bond_page = unmarked(manager.get(f"/bonds/{bond_id}").get_data(as_text=True))
    assert "Refused by Stripe" in bond_page and "charged back" not in bond_page


def test_a_lost_dispute_leaves_nothing_to_refund(app, tenant, paid, manager):
    paid, bond_id = paid
    dispute_id, opened = _open(app, paid)
    fake_delivery.deliver(opened + _close(app, paid, dispute_id, won=False), app)
    bond_page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert f"/refunds/receipts/{paid.payment_id}" not in bond_page
    form = unmarked(manager.get(f"/refunds/receipts/{paid.payment_id}").get_data(as_text=True))
    assert "Lost to a dispute" in form and "Refund through Stripe" not in form
    assert "Open a test dispute" not in form  # the fake disputes a charge once
    assert 'Left to refund</p><p class="stat-value">$0.00' in form
    refused = manager.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": "10", "reason": "Goodwill"}
    )
    assert refused.status_code == 422
    assert "took $100.00 of this payment back in a dispute the agency lost" in unmarked(
        refused.get_data(as_text=True)
    )
    assert refund_rows(app, tenant) == []


def test_a_partly_lost_dispute_reduces_what_is_left(app, tenant, paid, manager):
    paid, bond_id = paid
    with app.app_context(), bound(tenant.info, db.session):
        db.session.add(
            Dispute(
                stripe_dispute_id="dp_partial",
                online_payment_id=paid.online_id,
                bond_id=bond_id,
                amount_cents=4000,
                status="lost",
                reason="duplicate",
            )
        )
        db.session.commit()
    assert _refund(manager, paid, "30", "Partial").status_code == 302
    too_much = _refund(manager, paid, "30.01", "More")
    assert too_much.status_code == 422
    assert "Only $30.00 of this payment is left to refund." in too_much.get_data(as_text=True)
    bond_page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert f"/refunds/receipts/{paid.payment_id}" in bond_page
    assert _refund(manager, paid, "30", "The rest").status_code == 302
    bond_page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert f"/refunds/receipts/{paid.payment_id}" not in bond_page


def _refund(visitor, paid, amount: str, reason: str):
    return visitor.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": amount, "reason": reason}
    )


def test_another_agencys_staff_see_none_of_its_disputes(app, visit, tenant, other_tenant, paid):
    paid, bond_id = paid
    dispute_id, opened = _open(app, paid)
    fake_delivery.deliver(opened, app)
    theirs = signed_in(app, visit, other_tenant, "owner")
    assert theirs.get("/disputes/open", htmx=True).get_data(as_text=True).strip() == ""
    assert dispute_id not in theirs.get("/disputes/").get_data(as_text=True)
    assert theirs.get(f"/bonds/{bond_id}").status_code == 404
    assert _rows(app, other_tenant) == []
    with app.app_context(), bound(tenant.info, db.session):
        row_id = db.session.scalar(select(Dispute.id))
    assert (
        theirs.post(f"/dev/stripe/disputes/{row_id}/close", {"outcome": "lost"}).status_code == 404
    )
    assert theirs.post(f"/dev/stripe/receipts/{paid.payment_id}/dispute").status_code == 404
    assert _rows(app, tenant)[0][1] == "needs_response"


def test_agents_see_the_flag_but_not_the_disputes_pages(app, visit, tenant, paid):
    paid, bond_id = paid
    fake_delivery.deliver(_open(app, paid)[1], app)
    agent = signed_in(app, visit, tenant, "agent")
    page = agent.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Disputed payment" in page and "dashboard.stripe.com" not in page
    assert "/dev/stripe/dashboard" not in page
    assert "did not make this payment (fraudulent)" in unmarked(page)
    assert agent.get("/disputes/").status_code == 403
    assert agent.get("/disputes/open", htmx=True).status_code == 403
    assert "/disputes/open" not in agent.get("/dashboard/").get_data(as_text=True)


def test_development_buttons_open_and_decide_a_dispute(app, tenant, paid, manager):
    paid, bond_id = paid
    form = manager.get(f"/refunds/receipts/{paid.payment_id}").get_data(as_text=True)
    assert "Open a test dispute" in form
    assert manager.post(f"/dev/stripe/receipts/{paid.payment_id}/dispute").status_code == 303
    assert _rows(app, tenant)[0][1] == "needs_response"
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Lose it" in page
    with app.app_context(), bound(tenant.info, db.session):
        row_id = db.session.scalar(select(Dispute.id))
    assert (
        manager.post(f"/dev/stripe/disputes/{row_id}/close", {"outcome": "lost"}).status_code == 303
    )
    assert _rows(app, tenant)[0][1] == "lost"
    assert [e[1] for e in ledger(app, tenant, bond_id)] == ["premium", "refund"]


def test_development_buttons_do_not_exist_with_a_real_key(app, tenant, paid, manager, monkeypatch):
    paid, _ = paid
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_real")
    assert manager.post(f"/dev/stripe/receipts/{paid.payment_id}/dispute").status_code == 404
    assert manager.post("/dev/stripe/payouts").status_code == 404
    form = manager.get(f"/refunds/receipts/{paid.payment_id}").get_data(as_text=True)
    assert "Open a test dispute" not in form
