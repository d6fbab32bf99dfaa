"""What is due now and what is overdue: the bond page, the payment form and the dashboard agree."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds import services as bonds
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import agency_date, agency_today
from bbp.payments import services
from bbp.payments.models import Instalment
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import unmarked


def _write_with_plan(app, agency, down: str = "100") -> int:
    """An application with a plan, written the way the review step writes it."""
    bond_id = make_bond(app, agency, status="application", bail="5000", premium="500")
    with app.app_context(), bound(agency.info, db.session):
        surety = Surety(name="Lexington National", buf_rate=Decimal("0.02"))
        batch = PowerBatch(
            surety=surety,
            prefix="LX",
            first_serial=1,
            last_serial=1,
            denomination=Decimal("25000"),
            expires_on=date.today() + timedelta(days=90),
        )
        db.session.add(batch)
        db.session.flush()
        power = Power(
            batch_id=batch.id,
            surety_id=surety.id,
            number="LX-1",
            denomination=batch.denomination,
            expires_on=batch.expires_on,
        )
        db.session.add(power)
        db.session.commit()
        bond = db.session.get(Bond, bond_id)
        bonds.save_plan(bond, Decimal(down), 4, "monthly", agency_today() + timedelta(days=30))
        owner = db.session.scalars(select(User)).first()
        bonds.write(bond, power.id, owner)
    return bond_id


def _number(app, agency, bond_id: int) -> str:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.get(Bond, bond_id).number


def _due_now_bar(page: str) -> str:
    found = re.search(r'id="due-now".*?</div>', page, re.S)
    return found.group(0) if found else ""


def _due_now_words(page: str) -> str:
    """The due-now banner as a reader sees it: its text, without the Take payment link."""
    bar = re.sub(r"<a [^>]*>.*?</a>", "", _due_now_bar(page), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", bar.split(">", 1)[1]).split()).replace(" ,", ",")


def _written_on(app, agency, bond_id: int) -> str:
    with app.app_context(), bound(agency.info, db.session):
        return f"{agency_date(db.session.get(Bond, bond_id).written_at):%b %-d, %Y}"


def _overdue_plans(dashboard: str) -> str:
    return dashboard.split("Overdue payment plans", 1)[1].split("</article>", 1)[0]


def test_right_after_writing_the_down_payment_is_due_now_not_overdue(app, owner, tenant, clock):
    bond_id = _write_with_plan(app, tenant)
    bar = unmarked(_due_now_bar(owner.get(f"/bonds/{bond_id}").get_data(as_text=True)))
    assert "Due now: <strong>$100.00</strong>" in bar and "due today" in bar
    assert "overdue" not in bar
    assert _due_now_words(bar) == "Due now: $100.00 · due today"
    assert f'href="/payments/bonds/{bond_id}/new"' in bar and "Take payment" in bar
    form = unmarked(owner.get(f"/payments/bonds/{bond_id}/new").get_data(as_text=True))
    assert re.search(r'<input[^>]*id="amount"[^>]*value="100.00"', form)
    number = _number(app, tenant, bond_id)
    assert number not in unmarked(_overdue_plans(owner.get("/dashboard/").get_data(as_text=True)))

    clock.advance(days=1)
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    since = _written_on(app, tenant, bond_id)
    assert _due_now_words(page) == f"Overdue: $100.00 · since {since}"  # said once, not twice
    behind = unmarked(_overdue_plans(owner.get("/dashboard/").get_data(as_text=True)))
    assert number in behind and "$100.00" in behind


def test_a_payment_taken_from_the_form_clears_what_was_due(app, owner, tenant):
    bond_id = _write_with_plan(app, tenant)
    response = owner.post(
        f"/payments/bonds/{bond_id}/new",
        {"amount": "100.00", "kind": "premium", "method": "cash", "payer_name": "Lena Bell"},
    )
    assert response.status_code == 302
    page = unmarked(owner.get(f"/bonds/{bond_id}").get_data(as_text=True))
    assert _due_now_bar(page) == "" and "Take payment" not in page
    form = unmarked(owner.get(f"/payments/bonds/{bond_id}/new").get_data(as_text=True))
    assert not re.search(r'<input[^>]*id="amount"[^>]*value="[^"]', form)


def test_the_agencys_calendar_decides_not_utc(app, tenant, clock):
    """Written at 11:30 PM in New York, which is already the next day in UTC."""
    bond_id = make_bond(app, tenant, status="written", premium="500")
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.written_at = datetime(2026, 3, 4, 4, 30, tzinfo=UTC)
        db.session.commit()
        clock.set(datetime(2026, 3, 4, 4, 45, tzinfo=UTC))  # 11:45 PM, the same evening
        same_evening = services.standing(bond, None, agency_today())
        clock.set(datetime(2026, 3, 4, 14, 0, tzinfo=UTC))  # 9:00 AM the next morning
        next_morning = services.standing(bond, None, agency_today())
    assert (same_evening.overdue, same_evening.due_now) == (Decimal("0"), Decimal("500.00"))
    assert (next_morning.overdue, next_morning.due_now) == (Decimal("500.00"), Decimal("500.00"))


def test_dashboard_and_bond_page_agree_on_installments(app, owner, tenant, clock):
    """Due yesterday is overdue, due today is not: one rule for the bond page and the dashboard."""
    bond_id = _write_with_plan(app, tenant, down="0")
    with app.app_context(), bound(tenant.info, db.session):
        first_due = db.session.scalars(
            select(Instalment.due_on).order_by(Instalment.due_on)
        ).first()
    on_the_day = datetime.combine(first_due, datetime.min.time(), UTC) + timedelta(hours=17)
    clock.set(on_the_day)  # noon in New York on the first installment's day
    bar = unmarked(_due_now_bar(owner.get(f"/bonds/{bond_id}").get_data(as_text=True)))
    assert "Due now: <strong>$125.00</strong>" in bar and "overdue" not in bar
    number = _number(app, tenant, bond_id)
    assert number not in unmarked(_overdue_plans(owner.get("/dashboard/").get_data(as_text=True)))
    clock.set(on_the_day + timedelta(days=1))
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert _due_now_words(page) == f"Overdue: $125.00 · since {first_due:%b %-d, %Y}"
    behind = unmarked(_overdue_plans(owner.get("/dashboard/").get_data(as_text=True)))
    assert number in behind and "$125.00" in behind


def test_part_overdue_says_how_much_of_what_is_due_now_is_late(app, owner, tenant, clock):
    """The first installment missed and the second due today: one figure due, part of it late."""
    bond_id = _write_with_plan(app, tenant, down="0")
    with app.app_context(), bound(tenant.info, db.session):
        second_due = db.session.scalars(
            select(Instalment.due_on).order_by(Instalment.due_on).offset(1)
        ).first()
    clock.set(datetime.combine(second_due, datetime.min.time(), UTC) + timedelta(hours=17))
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert _due_now_words(page) == "Due now: $250.00, of which $125.00 is overdue"


def _next_due(page: str) -> str:
    found = re.search(r'<small[^>]*id="next-due-on"[^>]*>(.*?)</small>', page, re.S)
    return found.group(1) if found else ""


def test_the_payments_panel_says_an_unpaid_due_is_overdue_since_its_day(app, owner, tenant, clock):
    bond_id = _write_with_plan(app, tenant, down="0")
    with app.app_context(), bound(tenant.info, db.session):
        first_due = db.session.scalars(
            select(Instalment.due_on).order_by(Instalment.due_on)
        ).first()
    day = f"{first_due:%b %-d, %Y}"
    clock.set(datetime.combine(first_due, datetime.min.time(), UTC) - timedelta(days=2))
    assert _next_due(owner.get(f"/bonds/{bond_id}").get_data(as_text=True)) == day
    clock.set(datetime.combine(first_due, datetime.min.time(), UTC) + timedelta(hours=17))
    assert _next_due(owner.get(f"/bonds/{bond_id}").get_data(as_text=True)) == "today"
    clock.set(datetime.combine(first_due, datetime.min.time(), UTC) + timedelta(days=40))
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert _next_due(page) == f"Overdue since {day}"
    assert 'class="text-danger" id="next-due-on"' in page
