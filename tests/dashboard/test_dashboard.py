"""The dashboard shows the agency's living numbers, and only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel.clock import agency_today
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.powers.models import Surety
from bbp.tenancy import bound
from tests.factories import make_bond


def _book(app, agency):
    active = make_bond(
        app,
        agency,
        status="active",
        bail="10000",
        premium="1000",
        first_name="Ava",
        last_name="Active",
    )
    forfeited = make_bond(
        app,
        agency,
        status="forfeited",
        bail="2500",
        premium="250",
        first_name="Fred",
        last_name="Forfeit",
    )
    make_bond(app, agency, status="exonerated", bail="99999", premium="100")
    with app.app_context(), bound(agency.info, db.session):
        today = agency_today()  # the agency's day, not UTC's: they differ around midnight UTC
        surety = Surety(name="Lexington National", buf_rate=Decimal("0.02"))
        db.session.add(surety)
        db.session.flush()
        db.session.get(Bond, active).surety_id = surety.id
        owner = db.session.query(User).first()
        db.session.add(
            Payment(
                bond_id=active,
                receipt_number="R-000001",
                kind="premium",
                method="cash",
                amount=Decimal("300"),
                payer_name="P",
                received_at=datetime.now(UTC),
                received_by_id=owner.id,
            )
        )
        plan = PaymentPlan(bond_id=active, down_payment=Decimal("400"))
        plan.instalments = [Instalment(due_on=today - timedelta(days=3), amount=Decimal("100"))]
        db.session.add(plan)
        db.session.add(
            CourtDate(
                bond_id=active,
                starts_at=datetime.now(UTC) + timedelta(days=2),
                court_name="Dade Circuit",
                kind="hearing",
            )
        )
        db.session.add(
            Forfeiture(
                bond_id=forfeited,
                forfeited_on=today - timedelta(days=50),
                notice_mailed_on=today - timedelta(days=48),
                state="FL",
            )
        )
        db.session.add(
            Collateral(
                bond_id=forfeited,
                receipt_number="C-000001",
                kind="vehicle",
                description="2014 Honda Civic",
                value=Decimal("6000"),
                received_at=datetime.now(UTC),
                return_due_on=today - timedelta(days=1),
            )
        )
        db.session.commit()


def test_dashboard_numbers_alerts_and_charts(app, owner, tenant):
    _book(app, tenant)
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert "$12,500.00" in page  # liability: active 10,000 + forfeited 2,500, not exonerated
    assert "$300.00" in page  # collected this month
    assert "$1,050.00" in page  # outstanding: 1,000 + 250 + 100 (exonerated, still owed) - 300
    assert "$200.00" in page  # plan overdue: 400 down + 100 due - 300 paid
    assert "Active, Ava" in page and "Dade Circuit" in page
    assert "Forfeit, Fred" in page and "Forfeiture payment due (60 days)" in page
    assert "2014 Honda Civic" in page and "overdue since" in page
    assert "Lexington National: $10,000" in page  # chart description states each value
    assert "<svg" in page and "Active: 1" in page


def test_dashboard_shows_nothing_of_another_agency(app, owner, tenant, other_tenant):
    _book(app, other_tenant)
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert "Active, Ava" not in page and "Honda" not in page and "Lexington" not in page
    assert "$0.00" in page


def _pay(bond_id: int, number: str, kind: str, amount: str, *, voided: bool = False, days_ago=0):
    owner = db.session.query(User).first()
    db.session.add(
        Payment(
            bond_id=bond_id,
            receipt_number=number,
            kind=kind,
            method="cash",
            amount=Decimal(amount),
            payer_name="P",
            received_at=datetime.now(UTC) - timedelta(days=days_ago),
            received_by_id=owner.id,
            voided_at=datetime.now(UTC) if voided else None,
        )
    )


def test_outstanding_counts_refunds_back_and_ignores_voids_and_quotes(app, owner, tenant):
    """Outstanding is each owed bond's premium and fees less what was paid on it: a refund owes
    again, a void never counted, and money taken on a quote does not lower what others owe."""
    owed = make_bond(app, tenant, status="active", premium="1000")
    quoted = make_bond(app, tenant, status="quote", premium="500")
    with app.app_context(), bound(tenant.info, db.session):
        _pay(owed, "R-000001", "premium", "600", days_ago=40)
        _pay(owed, "R-000002", "refund", "100")
        _pay(owed, "R-000003", "premium", "250", voided=True)
        _pay(quoted, "R-000004", "premium", "200")
        db.session.commit()
    page = owner.get("/dashboard/").get_data(as_text=True)
    stat = page[page.index("Outstanding") :]
    assert "$500.00" in stat[:400]  # 1,000 - 600 + 100; the quote's 200 and the void left out
    collected = page[page.index("Collected") :]
    assert "$100.00" in collected[:400]  # this month: 200 on the quote less the 100 refund


def test_what_needs_action_comes_first_and_the_audit_link_follows_recent_activity(owner):
    page = owner.get("/dashboard/").get_data(as_text=True)
    order = [
        "/disputes/open",  # evidence due soon: first
        "Overdue payment plans",
        "Collateral due for return",
        'id="autopay-trouble"',
        "Liability by surety",
        "Recent activity",
        "Full audit log →",
        "Figures as of",
    ]
    at = [page.index(text) for text in order]
    assert at == sorted(at), list(zip(order, at, strict=True))
