"""Payment plan schedules and what they ask for on a given day (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bbp.payments.plans import PlanError, dues, owed, schedule


def test_equal_instalments_with_the_cents_on_the_last():
    rows = schedule(Decimal("1000.00"), Decimal("100.00"), 7, "weekly", date(2026, 12, 1))
    amounts = [amount for _, amount in rows]
    assert amounts[:6] == [Decimal("128.57")] * 6 and amounts[6] == Decimal("128.58")
    assert sum(amounts) == Decimal("900.00")
    assert [d for d, _ in rows][:3] == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)]


def test_monthly_from_the_31st_falls_back_to_month_end():
    rows = schedule(Decimal("300"), Decimal("0"), 3, "monthly", date(2027, 1, 31))
    assert [d for d, _ in rows] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_paid_in_full_needs_no_instalments():
    assert schedule(Decimal("500"), Decimal("500"), 4, "monthly", date(2026, 12, 1)) == []


@pytest.mark.parametrize(
    ("down", "count", "frequency", "message"),
    [
        ("600", 2, "monthly", r"between \$0\.00 and the total"),
        ("-1", 2, "monthly", "between"),
        ("0", 0, "monthly", "between 1 and 104"),
        ("0", 2, "yearly", "weekly, every two weeks"),
        ("499.99", 3, "weekly", "Too many installments"),
    ],
)
def test_bad_plans_are_explained(down, count, frequency, message):
    with pytest.raises(PlanError, match=message):
        schedule(Decimal("500"), Decimal(down), count, frequency, date(2026, 12, 1))


@pytest.mark.parametrize("frequency", ["weekly", "monthly"])
def test_a_schedule_running_past_year_9999_is_refused_with_a_message(frequency):
    with pytest.raises(PlanError, match="after the year 9999"):
        schedule(Decimal("1000"), Decimal("0"), 12, frequency, date(9999, 12, 1))


WRITTEN = date(2026, 3, 3)
PLAN = dues(
    Decimal("100"),
    WRITTEN,
    [(date(2026, 4, 3), Decimal("200")), (date(2026, 5, 3), Decimal("200"))],
)


def test_the_down_payment_is_due_the_day_the_bond_is_written():
    assert PLAN[0] == (WRITTEN, Decimal("100"))
    on_the_day = owed(PLAN, Decimal("0"), Decimal("500"), WRITTEN)
    assert (on_the_day.overdue, on_the_day.due_now) == (Decimal("0"), Decimal("100"))
    assert (on_the_day.next_due_on, on_the_day.next_due_amount) == (WRITTEN, Decimal("100"))


def test_an_amount_is_overdue_from_the_day_after_it_falls_due():
    next_day = owed(PLAN, Decimal("0"), Decimal("500"), date(2026, 3, 4))
    assert (next_day.overdue, next_day.due_now) == (Decimal("100"), Decimal("100"))
    installment_day = owed(PLAN, Decimal("100"), Decimal("500"), date(2026, 4, 3))
    assert (installment_day.overdue, installment_day.due_now) == (Decimal("0"), Decimal("200"))
    day_after = owed(PLAN, Decimal("150"), Decimal("500"), date(2026, 4, 4))
    assert (day_after.overdue, day_after.due_now) == (Decimal("150"), Decimal("150"))
    assert (day_after.next_due_on, day_after.next_due_amount) == (date(2026, 4, 3), Decimal("150"))


def test_a_down_payment_is_never_due_after_the_first_installment():
    late_writing = dues(Decimal("100"), date(2026, 5, 1), [(date(2026, 4, 3), Decimal("400"))])
    assert late_writing[0] == (date(2026, 4, 3), Decimal("100"))
    assert dues(Decimal("0"), WRITTEN, [(date(2026, 4, 3), Decimal("500"))]) == [
        (date(2026, 4, 3), Decimal("500"))
    ]


def test_nothing_is_owed_once_paid_and_never_more_than_the_total():
    paid = owed(PLAN, Decimal("500"), Decimal("500"), date(2026, 6, 1))
    assert (paid.overdue, paid.due_now, paid.next_due_on) == (Decimal("0"), Decimal("0"), None)
    repriced = owed(PLAN, Decimal("0"), Decimal("250"), date(2026, 6, 1))
    assert repriced.overdue == Decimal("250")
