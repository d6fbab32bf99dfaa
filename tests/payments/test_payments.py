"""Payments: gapless receipts, voids that keep their number, balances and overdue plans."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.payments import services
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import add_user


def _pay(owner, bond_id, amount="100", **fields):
    data = {"amount": amount, "kind": "premium", "method": "cash", "payer_name": "Lena Bell"}
    return owner.post(f"/payments/bonds/{bond_id}/new", data | fields)


def _receipts(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        return db.session.scalars(select(Payment.receipt_number).order_by(Payment.id)).all()


def test_receipts_are_numbered_and_the_balance_drops(app, owner, tenant):
    bond_id = make_bond(app, tenant, bail="5000", premium="500")
    assert _pay(owner, bond_id, "200").status_code == 302
    _pay(owner, bond_id, "$50.00", kind="fee", method="check", reference="1042")
    assert _receipts(app, tenant) == ["R-000001", "R-000002"]
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "R-000002" in page and "$250.00" in page  # balance 500 - 250
    assert "Check #1042" in page


def test_bad_payments_keep_what_was_typed(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    for fields, message in [
        ({"amount": "0"}, "more than $0.00"),
        ({"amount": "10.005"}, "fractions of a cent"),
        ({"amount": "abc"}, "Enter an amount"),
        ({"payer_name": ""}, "Enter who paid."),
        ({"method": "bitcoin"}, "Not a valid choice"),
    ]:
        response = _pay(owner, bond_id, **({"reference": "REF-77"} | fields))
        assert response.status_code == 422, fields
        body = response.get_data(as_text=True)
        assert message in body and 'value="REF-77"' in body
    assert _receipts(app, tenant) == []


def test_refund_cannot_exceed_what_was_paid(app, owner, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    _pay(owner, bond_id, "100")
    refused = _pay(owner, bond_id, "150", kind="refund")
    assert refused.status_code == 422
    assert "cannot exceed what was paid" in refused.get_data(as_text=True)
    assert _pay(owner, bond_id, "100", kind="refund").status_code == 302


def test_void_keeps_the_number_and_restores_the_balance(app, owner, visit, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    _pay(owner, bond_id, "200")
    with app.app_context(), bound(tenant.info, db.session):
        payment_id = db.session.scalar(select(Payment.id))
    agent = add_user(app, tenant.info, "agent")
    agent_visitor = visit(tenant)
    agent_visitor.login(agent.email)
    assert agent_visitor.post(f"/payments/{payment_id}/void", {"reason": "typo"}).status_code == 403
    no_reason = owner.post(f"/payments/{payment_id}/void", {"reason": ""})
    assert "Say why" in owner.get(no_reason.headers["Location"]).get_data(as_text=True)
    owner.post(f"/payments/{payment_id}/void", {"reason": "Entered twice"})
    _pay(owner, bond_id, "75")
    assert _receipts(app, tenant) == ["R-000001", "R-000002"]
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Void: Entered twice" in page and "$425.00" in page


def test_two_voids_of_one_receipt_at_once_void_it_once(app, owner, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    _pay(owner, bond_id, "200")

    def void(_):
        with app.app_context(), bound(tenant.info, db.session):
            user = db.session.scalars(select(User)).first()
            payment = db.session.scalars(select(Payment)).one()
            try:
                services.void(payment, "Entered twice", user)
                db.session.commit()
                return "voided"
            except DomainError as refusal:
                db.session.rollback()
                return refusal.message

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(void, range(4)))
    assert outcomes == ["Receipt R-000001 is already void."] * 3 + ["voided"]


def test_a_failed_payment_does_not_burn_a_receipt_number(app, tenant, owner):
    bond_id = make_bond(app, tenant, premium="500")
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        user = db.session.scalars(select(User)).first()
        with pytest.raises(DomainError):
            services.record_payment(bond, "refund", "cash", Decimal("5"), "", "X", user)
        db.session.rollback()
        services.record_payment(bond, "premium", "cash", Decimal("5"), "", "X", user)
    assert _receipts(app, tenant) == ["R-000001"]


def test_concurrent_payments_get_distinct_consecutive_receipts(app, tenant):
    bond_id = make_bond(app, tenant, premium="5000")

    def pay(_):
        with app.app_context(), bound(tenant.info, db.session):
            user = db.session.scalars(select(User)).first()
            bond = db.session.get(Bond, bond_id)
            return services.record_payment(
                bond, "premium", "cash", Decimal("1"), "", "P", user
            ).receipt_number

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = sorted(pool.map(pay, range(12)))
    assert numbers == [f"R-{n:06d}" for n in range(1, 13)]


def test_plan_standing_overdue_and_next_due(app, tenant):
    bond_id = make_bond(app, tenant, premium="600")
    today = date(2026, 12, 20)
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal("100"))
        plan.instalments = [
            Instalment(due_on=date(2026, 12, 1) + timedelta(days=30 * n), amount=Decimal("125"))
            for n in range(4)
        ]
        db.session.add(plan)
        db.session.flush()
        user = db.session.scalars(select(User)).first()
        services.record_payment(bond, "premium", "cash", Decimal("150"), "", "X", user)
        standing = services.standing(bond, plan, today)
        assert standing.balance == Decimal("450.00")
        assert standing.overdue == Decimal("75.00")  # 100 down + 125 due Dec 1 - 150 paid
        assert (standing.next_due_on, standing.next_due_amount) == (
            date(2026, 12, 1),
            Decimal("75.00"),
        )
        overdue = services.overdue_plans(today)
        assert [(b.id, amount) for b, amount in overdue] == [(bond_id, Decimal("75.00"))]


def test_receipt_pdf_is_served_privately(app, owner, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    _pay(owner, bond_id, "200")
    with app.app_context(), bound(tenant.info, db.session):
        payment_id = db.session.scalar(select(Payment.id))
    response = owner.client.get(f"/payments/{payment_id}/receipt.pdf", base_url=owner.base_url)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert b"R-000001" in response.data and b"200.00" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"


def test_ledger_is_for_managers_and_searchable(app, owner, visit, tenant):
    bond_id = make_bond(app, tenant)
    _pay(owner, bond_id, "10", payer_name="Quentin Payer")
    _pay(owner, bond_id, "20", payer_name="Other Person")
    fragment = owner.get("/payments/?q=quentin", htmx=True).get_data(as_text=True)
    assert "Quentin Payer" in fragment and "Other Person" not in fragment
    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert visitor.get("/payments/").status_code == 403


def test_ledger_search_takes_percent_and_underscore_literally(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    _pay(owner, bond_id, "10", payer_name="Ann 100% Paid")
    _pay(owner, bond_id, "20", payer_name="Bob 1000 Paid")
    _pay(owner, bond_id, "30", payer_name="Cy_Lee")
    _pay(owner, bond_id, "40", payer_name="Cy Lee")
    percent = owner.get("/payments/?q=100%25", htmx=True).get_data(as_text=True)
    assert "Ann 100% Paid" in percent and "Bob 1000 Paid" not in percent
    underscore = owner.get("/payments/?q=cy_", htmx=True).get_data(as_text=True)
    assert "Cy_Lee" in underscore and "Cy Lee" not in underscore


def test_plan_lines_apply_payments_in_order_and_agree_with_the_standing(app, tenant):
    bond_id = make_bond(app, tenant, premium="600")
    today = date(2026, 12, 20)
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal("100"))
        plan.instalments = [
            Instalment(due_on=due, amount=Decimal("125"))
            for due in (date(2026, 12, 1), today, date(2027, 1, 20), date(2027, 2, 20))
        ]
        db.session.add(plan)
        db.session.flush()
        user = db.session.scalars(select(User)).first()
        services.record_payment(bond, "premium", "cash", Decimal("150"), "", "X", user)
        lines = services.plan_lines(bond, plan, today)
        assert [(line.status, line.paid) for line in lines] == [
            ("paid", Decimal("100")),
            ("overdue", Decimal("50")),  # due Dec 1, half paid
            ("due", Decimal("0")),  # due today: not late yet
            ("due", Decimal("0")),
            ("due", Decimal("0")),
        ]
        overdue = sum(line.left for line in lines if line.status == "overdue")
        assert overdue == services.standing(bond, plan, today).overdue == Decimal("75")
        services.record_payment(bond, "premium", "cash", Decimal("250"), "", "X", user)
        statuses = [line.status for line in services.plan_lines(bond, plan, today)]
        assert statuses == ["paid", "paid", "paid", "partly_paid", "due"]
        bond.status = "quote"  # nothing is late on a quote
        assert "overdue" not in [line.status for line in services.plan_lines(bond, plan, today)]
        db.session.rollback()


def test_a_staff_receipt_is_named_after_the_bond_and_carries_the_agency_details(app, owner, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    _pay(owner, bond_id, "200")
    with app.app_context(), bound(tenant.info, db.session):
        payment_id = db.session.scalar(select(Payment.id))
        number = db.session.get(Bond, bond_id).number
        row = settings.current()
        row.address_line1, row.city, row.state, row.postal_code = (
            "9 Court St",
            "Miami",
            "FL",
            "33101",
        )
        row.phone, row.license_number = "3055550100", "P123456"
        db.session.commit()
    response = owner.client.get(f"/payments/{payment_id}/receipt.pdf", base_url=owner.base_url)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'inline; filename="{number}-receipt-R-000001.pdf"'
    for expected in (
        b"9 Court St",
        b"Miami, FL 33101",
        b"\\(305\\) 555-0100",
        b"License No. P123456",
    ):
        assert expected in response.data, expected


def test_the_bond_page_counts_what_was_paid_from_its_ledger_as_the_database_does(app, tenant):
    """paid_in (the bond page, from the payments it loaded) agrees with paid_toward_premium."""
    bond_id = make_bond(app, tenant, bail="10000.00")
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        user = db.session.scalars(select(User)).first()
        for kind, amount in (("premium", "400"), ("fee", "25.50"), ("premium", "100")):
            services.record_payment(bond, kind, "cash", Decimal(amount), "", "X", user)
        services.record_payment(bond, "refund", "cash", Decimal("60.25"), "", "X", user)
        services.void(services.ledger(bond)[-1], "Typed the wrong amount", user)
        ledger = services.ledger(bond)
        assert services.paid_in(ledger) == services.paid_toward_premium(bond) == Decimal("65.25")
        today = date(2026, 11, 20)
        assert services.standing_of_ledger(bond, None, ledger, today) == services.standing(
            bond, None, today
        )
