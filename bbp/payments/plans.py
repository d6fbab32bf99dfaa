"""Payment plan schedules: a down payment and equal instalments, cents on the last one."""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date, timedelta
from decimal import ROUND_DOWN, Decimal

FREQUENCIES = {"weekly": 7, "biweekly": 14, "monthly": None}
CENT = Decimal("0.01")


class PlanError(ValueError):
    """The plan cannot be built as asked; the message is for the user."""


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError("date value out of range")
    for day in (start.day, 30, 29, 28):  # the 31st falls back to the month's last day
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def due_dates(first_due: date, count: int, frequency: str) -> list[date]:
    """The due date of each instalment; a schedule running off the calendar is refused."""
    step = FREQUENCIES[frequency]
    try:
        if step is None:
            return [_add_months(first_due, n) for n in range(count)]
        return [first_due + timedelta(days=step * n) for n in range(count)]
    except OverflowError:
        raise PlanError(
            "The last installment would fall after the year 9999: choose an earlier first due date."
        ) from None


def schedule(
    total: Decimal, down_payment: Decimal, count: int, frequency: str, first_due: date
) -> list[tuple[date, Decimal]]:
    """Split what remains after the down payment into `count` instalments."""
    if frequency not in FREQUENCIES:
        raise PlanError("Choose weekly, every two weeks or monthly.")
    if down_payment < 0 or down_payment > total:
        raise PlanError("The down payment must be between $0.00 and the total due.")
    remaining = total - down_payment
    if remaining == 0:
        return []
    if not 1 <= count <= 104:
        raise PlanError("Use between 1 and 104 installments.")
    each = (remaining / count).quantize(CENT, rounding=ROUND_DOWN)
    if each <= 0:
        raise PlanError("Too many installments for the amount left to pay.")
    amounts = [each] * (count - 1) + [remaining - each * (count - 1)]
    return list(zip(due_dates(first_due, count, frequency), amounts, strict=True))
