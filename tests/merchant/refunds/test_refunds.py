"""Refunds from the bond page: reserved under locks, sent to Stripe with a stable key, entered in
the ledger only when Stripe's events confirm them, once, in any order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.billing import fake_delivery, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.merchant import refunds
from bbp.merchant.models import OnlinePayment, Refund
from bbp.payments.models import Payment
from bbp.tenancy.context import bound
from tests.factories import make_bond
from tests.merchant.refunds.support import ledger, refund_rows, signed_in
from tests.merchant.support import connected, fake
from tests.support import counted, unmarked


def _refund(visitor, paid, amount: str, reason: str = "Overpaid"):
    return visitor.post(
        f"/refunds/receipts/{paid.payment_id}", {"amount": amount, "reason": reason}
    )


def _events(app, account: str) -> list[tuple[str, str]]:
    """Every event the fake queued, taken off its queue: (id, type)."""
    stub = fake(app)
    return [(i, stub.get("events", i)["type"]) for i in stub.take_pending()]


def test_a_refund_enters_the_ledger_only_when_stripe_confirms_it(app, tenant, paid, manager):
    paid, bond_id = paid
    form = manager.get(f"/refunds/receipts/{paid.payment_id}").get_data(as_text=True)
    assert 'value="100.00"' in form and "returned in proportion" in form
    response = _refund(manager, paid, "40.00", "Bond exonerated early")
    assert response.status_code == 302 and response.headers["Location"].endswith("#payments")
    assert ledger(app, tenant, bond_id) == [("R-000001", "premium", "100.00", paid.intent)]
    [(cents, status, refund_id, entered, reason)] = refund_rows(app, tenant)
    assert (cents, status, entered, reason) == (4000, "succeeded", False, "Bond exonerated early")
    row_id = _row_id(app, tenant)
    with app.app_context():
        assert ("POST", "/v1/refunds", f"refund-{tenant.info.id}-{row_id}") in fake(app).requests
        with fake(app).acting_as(paid.account):
            stripe_refund = fake(app).get("refunds", refund_id)
    assert stripe_refund["application_fee_refunded"] == 128  # 40% of the $3.20 fee
    assert stripe_refund["metadata"]["bbp_refund"] == str(row_id)
    page = unmarked(manager.get(f"/bonds/{bond_id}").get_data(as_text=True))
    assert "$40.00 to Pat Payer" in page and "Refunded" in page

    assert set(fake_delivery.deliver_pending(app)) == {200}
    assert ledger(app, tenant, bond_id)[1] == ("R-000002", "refund", "40.00", refund_id)
    assert refund_rows(app, tenant)[0][3] is True
    page = unmarked(manager.get(f"/bonds/{bond_id}").get_data(as_text=True))
    assert "$440.00" in page  # the balance: $500 less $100 paid plus $40 back
    with app.app_context(), bound(tenant.info, db.session):
        actions = set(db.session.scalars(select(AuditEntry.action)))
        entry_id = db.session.scalar(select(Refund.payment_id))
    assert {"refund.requested", "payment.recorded"} <= actions
    receipt = manager.get(f"/payments/{entry_id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"


def _row_id(app, agency) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(select(Refund.id).order_by(Refund.id.desc()))


def test_partial_refunds_add_up_to_what_was_paid_and_no_more(app, tenant, paid, manager):
    paid, bond_id = paid
    assert _refund(manager, paid, "30").status_code == 302
    assert _refund(manager, paid, "20.50").status_code == 302
    too_much = _refund(manager, paid, "49.51")
    assert too_much.status_code == 422
    assert "Only $49.50 of this payment is left to refund." in too_much.get_data(as_text=True)
    assert _refund(manager, paid, "49.50").status_code == 302
    full = _refund(manager, paid, "1")
    assert full.status_code == 422 and "refunded in full already" in full.get_data(as_text=True)
    fake_delivery.deliver_pending(app)
    refunds_in = [e for e in ledger(app, tenant, bond_id) if e[1] == "refund"]
    assert sorted(e[2] for e in refunds_in) == ["20.50", "30.00", "49.50"]
    with fake(app).acting_as(paid.account):
        charge = fake(app).get("charges", paid.charge)
    assert charge["refunded"] is True and charge["application_fee_refunded"] == 320


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("0", "Why", "The amount must be more than $0.00."),
        ("-5", "Why", "The amount must be more than $0.00."),
        ("10.005", "Why", "Amounts cannot include fractions of a cent."),
        ("", "Why", "Enter the amount to refund."),
        ("ten", "Why", "Enter an amount such as 1500"),
        ("100.01", "Why", "Only $100.00 of this payment is left to refund."),
        ("10", "", "Say why the money goes back."),
    ],
)
def test_bad_refunds_are_refused_beside_the_field(
    app, tenant, paid, manager, amount, reason, message
):
    paid, _ = paid
    response = _refund(manager, paid, amount, reason)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "field-error" in page
    assert f'value="{amount}"' in page  # what was typed stays
    assert refund_rows(app, tenant) == []
    assert not any(path == "/v1/refunds" for _, path, _ in fake(app).requests)


def test_the_service_refuses_what_the_form_would_let_through(app, tenant, paid):
    paid, _ = paid
    with app.app_context(), bound(tenant.info, db.session):
        online = db.session.get(OnlinePayment, paid.online_id)
        user = db.session.scalars(select(User)).first()
        for amount, field in ((None, "amount"), ("0.001", "amount"), ("0", "amount")):
            with pytest.raises(DomainError) as refusal:
                refunds.ask(online, amount and Decimal(amount), "x", user)
            assert refusal.value.field == field


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_only_managers_and_owners_refund(app, visit, tenant, paid, role):
    paid, bond_id = paid
    staff = signed_in(app, visit, tenant, role)
    assert staff.get(f"/refunds/receipts/{paid.payment_id}").status_code == 403
    assert _refund(staff, paid, "10").status_code == 403
    assert "/refunds/receipts/" not in staff.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert refund_rows(app, tenant) == []


def test_the_owner_refunds_too(app, owner, tenant, paid):
    paid, _ = paid
    assert _refund(owner, paid, "10").status_code == 302


def test_only_payments_taken_online_can_be_refunded_here(app, tenant, paid, manager):
    paid, bond_id = paid
    manager.post(
        f"/payments/bonds/{bond_id}/new",
        {"amount": "50", "kind": "premium", "method": "cash", "payer_name": "Cash Payer"},
    )
    _refund(manager, paid, "10")
    fake_delivery.deliver_pending(app)
    entries = {kind_method: pid for pid, kind_method in _entry_ids(app, tenant)}
    assert manager.get(f"/refunds/receipts/{entries['premium/cash']}").status_code == 404
    assert manager.get(f"/refunds/receipts/{entries['refund/card_online']}").status_code == 404
    assert manager.get("/refunds/receipts/2147483647").status_code == 404
    assert manager.get("/refunds/receipts/2147483648").status_code == 404


def _entry_ids(app, agency):
    with app.app_context(), bound(agency.info, db.session):
        return [
            (p.id, f"{p.kind}/{p.method}")
            for p in db.session.scalars(select(Payment).order_by(Payment.id))
        ]


def test_another_agency_cannot_reach_a_refund(app, visit, tenant, other_tenant, paid):
    paid, _ = paid
    _refund(signed_in(app, visit, tenant, "manager"), paid, "10")
    theirs = signed_in(app, visit, other_tenant, "owner")
    connected(app, other_tenant)
    assert theirs.get(f"/refunds/receipts/{paid.payment_id}").status_code == 404
    assert _refund(theirs, paid, "10").status_code == 404
    assert theirs.post(f"/refunds/{_row_id(app, tenant)}/send").status_code == 404
    assert len(refund_rows(app, tenant)) == 1 and refund_rows(app, other_tenant) == []


def test_events_enter_a_refund_once_in_any_order(app, tenant, paid, manager):
    paid, bond_id = paid
    _refund(manager, paid, "25")
    events = _events(app, paid.account)
    assert sorted(t for _, t in events) == ["charge.refunded", "refund.created"]
    ids = [i for i, _ in reversed(events)]
    assert fake_delivery.deliver([*ids, *ids], app) == [200] * 4
    assert [e[1] for e in ledger(app, tenant, bond_id)] == ["premium", "refund"]


def test_a_pending_refund_waits_and_enters_when_it_succeeds(app, tenant, paid, manager):
    paid, bond_id = paid
    with fake(app).acting_as(paid.account):
        fake(app).delay_refunds(paid.charge)
    _refund(manager, paid, "60")
    created = _events(app, paid.account)
    [(_, status, refund_id, _, _)] = refund_rows(app, tenant)
    assert status == "pending"
    with fake(app).acting_as(paid.account):
        fake(app).settle_refund(refund_id, "succeeded")
    updated = _events(app, paid.account)
    # refund.updated arrives before refund.created: each reads the refund as it is now.
    fake_delivery.deliver([i for i, _ in updated + created], app)
    assert ledger(app, tenant, bond_id)[1] == ("R-000002", "refund", "60.00", refund_id)
    assert refund_rows(app, tenant)[0][1] == "succeeded"


def test_a_failed_refund_enters_nothing_and_frees_its_amount(app, tenant, paid, manager):
    paid, bond_id = paid
    with fake(app).acting_as(paid.account):
        fake(app).delay_refunds(paid.charge)
    _refund(manager, paid, "100")
    [(_, _, refund_id, _, _)] = refund_rows(app, tenant)
    with fake(app).acting_as(paid.account):
        fake(app).settle_refund(refund_id, "failed")
    fake_delivery.deliver_pending(app)
    assert [e[1] for e in ledger(app, tenant, bond_id)] == ["premium"]
    assert refund_rows(app, tenant)[0][1] == "failed"
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Failed" in page and "expired or canceled card" in page
    assert _refund(manager, paid, "100").status_code == 302  # the amount is free again


def test_a_refund_that_fails_after_it_was_entered_is_taken_back_in(app, tenant, paid, manager):
    paid, bond_id = paid
    _refund(manager, paid, "30")
    fake_delivery.deliver_pending(app)
    [(_, _, refund_id, _, _)] = refund_rows(app, tenant)
    with fake(app).acting_as(paid.account):
        fake(app).settle_refund(refund_id, "failed")
    ids = [i for i, _ in _events(app, paid.account)]
    fake_delivery.deliver(ids + ids, app)
    kinds = [(e[1], e[2], e[3]) for e in ledger(app, tenant, bond_id)]
    assert kinds[1:] == [
        ("refund", "30.00", refund_id),
        ("premium", "30.00", f"{refund_id}-returned"),
    ]


def test_a_refund_made_in_the_stripe_dashboard_is_entered_too(app, tenant, paid):
    paid, bond_id = paid
    with app.app_context():
        made = stripe_api.client().v1.refunds.create(
            {"charge": paid.charge, "amount": 1500}, options={"stripe_account": paid.account}
        )
    fake_delivery.deliver_pending(app)
    assert ledger(app, tenant, bond_id)[1] == ("R-000002", "refund", "15.00", made.id)
    assert refund_rows(app, tenant) == [
        (1500, "succeeded", made.id, True, refunds.DASHBOARD_REASON)
    ]


def test_two_refunds_at_once_cannot_refund_more_than_was_paid(app, tenant, paid):
    paid, bond_id = paid

    def ask(_):
        with app.app_context(), bound(tenant.info, db.session):
            online = db.session.get(OnlinePayment, paid.online_id)
            user = db.session.scalars(select(User)).first()
            try:
                refunds.ask(online, Decimal("60"), "Twice", user)
                return "sent"
            except DomainError as refusal:
                db.session.rollback()
                return refusal.message

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(ask, range(4)))
    assert outcomes == ["Only $40.00 of this payment is left to refund."] * 3 + ["sent"]
    fake_delivery.deliver_pending(app)
    assert [e[2] for e in ledger(app, tenant, bond_id) if e[1] == "refund"] == ["60.00"]


def test_stripe_refusing_a_refund_marks_it_refused_beside_the_amount(app, tenant, paid, manager):
    paid, bond_id = paid
    with app.app_context():  # refunded in the Dashboard; its events have not arrived yet
        stripe_api.client().v1.refunds.create(
            {"charge": paid.charge, "amount": 8000}, options={"stripe_account": paid.account}
        )
    refused = _refund(manager, paid, "50")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "field-error" in page
    assert "Stripe has less of this payment left to refund than this page shows" in page
    assert "greater than unrefunded amount" not in page  # never Stripe's raw text
    assert refund_rows(app, tenant)[0][:3] == (5000, "refused", None)
    fake_delivery.deliver_pending(app)
    assert [e[2] for e in ledger(app, tenant, bond_id) if e[1] == "refund"] == ["80.00"]
    assert _refund(manager, paid, "20").status_code == 302  # the refused $50 holds nothing


def test_the_amount_and_the_reason_are_refused_at_once(app, tenant, paid, manager):
    response = _refund(manager, paid[0], "100.01", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Only $100.00 of this payment is left to refund." in page
    assert "Say why the money goes back." in page
    assert refund_rows(app, tenant) == []


def test_a_refund_stripe_did_not_answer_is_sent_again_with_its_key(
    app, tenant, paid, manager, monkeypatch
):
    paid, bond_id = paid
    stub = fake(app)

    def down(params):
        raise StripeFault(500, "Stripe is down.", "api_error")

    monkeypatch.setattr(stub, "_create_refund", down)
    lost = _refund(manager, paid, "20")
    assert lost.status_code == 503 and "send it again" in lost.get_data(as_text=True)
    assert refund_rows(app, tenant)[0][:3] == (2000, "requested", None)
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Send again" in page and "Not sent yet" in page
    monkeypatch.undo()
    row_id = _row_id(app, tenant)
    assert manager.post(f"/refunds/{row_id}/send").status_code == 302
    assert manager.post(f"/refunds/{row_id}/send").status_code == 302  # sent: nothing more
    fake_delivery.deliver_pending(app)
    assert [e[2] for e in ledger(app, tenant, bond_id) if e[1] == "refund"] == ["20.00"]
    keys = [k for m, p, k in stub.requests if p == "/v1/refunds" and m == "POST"]
    assert set(keys) == {f"refund-{tenant.info.id}-{row_id}"}


def test_a_refund_made_but_unanswered_is_found_again_after_stripe_forgets_its_key(
    app, tenant, paid, manager, monkeypatch
):
    """Stripe made the refund but its answer never came back, and a day later (the key
    forgotten) staff press Send again: the refund is found by the row id in its metadata and
    kept, never made twice."""
    paid, bond_id = paid
    stub = fake(app)

    def down(params):
        raise StripeFault(500, "Stripe is down.", "api_error")

    monkeypatch.setattr(stub, "_create_refund", down)
    assert _refund(manager, paid, "20").status_code == 503
    monkeypatch.undo()
    row_id = _row_id(app, tenant)
    with stub.acting_as(paid.account):  # what Stripe did with the lost request
        stub._create_refund(
            {
                "payment_intent": paid.intent,
                "amount": "2000",
                "metadata": {"bbp_refund": str(row_id)},
            }
        )
    asked = len([m for m, p, _ in stub.requests if p == "/v1/refunds" and m == "POST"])
    assert manager.post(f"/refunds/{row_id}/send").status_code == 302
    fake_delivery.deliver_pending(app)
    assert [e[2] for e in ledger(app, tenant, bond_id) if e[1] == "refund"] == ["20.00"]
    assert len([m for m, p, _ in stub.requests if p == "/v1/refunds" and m == "POST"]) == asked


def test_only_a_bond_paid_online_reads_its_refunds_and_disputes(app, tenant, paid, manager):
    paid, bond_id = paid
    plain = make_bond(app, tenant, premium="500")
    manager.post(
        f"/payments/bonds/{plain}/new",
        {"amount": "100", "kind": "premium", "method": "cash", "payer_name": "Cash Payer"},
    )
    with counted(app) as online:
        assert manager.get(f"/bonds/{bond_id}").status_code == 200
    with counted(app) as cash:
        assert manager.get(f"/bonds/{plain}").status_code == 200
    # The open disputes, the refunds not yet entered, the ledger's words for online entries, and
    # what is left to refund of each (no Refund link at nothing).
    assert len(online) == len(cash) + 4


def test_a_refund_of_a_charge_bailbondpro_did_not_take_is_left_alone(app, tenant, paid):
    paid, bond_id = paid
    stub = fake(app)
    with stub.acting_as(paid.account):  # a sale made in the Dashboard, then refunded there
        _, theirs = stub.paid_charge(7000)
        stub.take_pending()
    with app.app_context():
        stripe_api.client().v1.refunds.create(
            {"charge": theirs["id"]}, options={"stripe_account": paid.account}
        )
    assert set(fake_delivery.deliver_pending(app)) == {200}
    assert refund_rows(app, tenant) == []
    assert [e[1] for e in ledger(app, tenant, bond_id)] == ["premium"]


def test_the_audit_log_tells_a_refund_in_words(app, tenant, paid, owner):
    paid, _ = paid
    _refund(owner, paid, "40.00", "Bond exonerated early")
    fake_delivery.deliver_pending(app)
    log = unmarked(owner.get("/audit/?action=refund.", htmx=True).get_data(as_text=True))
    assert "asked Stripe to refund $40.00: Bond exonerated early" in log
    assert "Stripe confirmed the refund of $40.00 on " in log


def test_concurrent_deliveries_of_a_refunds_events_enter_it_once(app, tenant, paid, manager):
    paid, bond_id = paid
    _refund(manager, paid, "35")
    events = [i for i, _ in _events(app, paid.account)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda e: fake_delivery.deliver([e], app), events * 2))
    assert sorted(s for batch in statuses for s in batch) == [200] * 4
    assert [e[2] for e in ledger(app, tenant, bond_id) if e[1] == "refund"] == ["35.00"]
    assert [r[3] for r in refund_rows(app, tenant)] == [True]


def test_concurrent_deliveries_of_a_disputes_events_keep_one_row(app, tenant, paid):
    paid, bond_id = paid
    stub = fake(app)
    with stub.acting_as(paid.account):
        dispute = stub.open_dispute(paid.charge)
        stub.close_dispute(dispute["id"], won=False)
    events = stub.take_pending()
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda e: fake_delivery.deliver([e], app), events * 2))
    assert sorted(s for batch in statuses for s in batch) == [200] * 2 * len(events)
    assert [e[1:] for e in ledger(app, tenant, bond_id)][1:] == [
        ("refund", "100.00", dispute["id"])
    ]
