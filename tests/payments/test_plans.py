"""Payment plan schedules (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bbp.payments.plans import PlanError, schedule


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
