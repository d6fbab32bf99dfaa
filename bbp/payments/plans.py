"""Payment plans: down payment and equal installments (cents on the last one), and what is owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from decimal import ROUND_DOWN, Decimal

FREQUENCIES = {"weekly": 7, "biweekly": 14, "monthly": None}
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


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


@dataclass(frozen=True)
class Owed:
    """What is still unpaid of a bond's dues on a given day."""

    overdue: Decimal  # fell due before today
    due_now: Decimal  # fell due on or before today (what is overdue, and what is due today)
    next_due_on: date | None
    next_due_amount: Decimal


def dues(
    down_payment: Decimal, written_on: date, instalments: list[tuple[date, Decimal]]
) -> list[tuple[date, Decimal]]:
    """The plan as dated amounts: the down payment falls due the day the bond is written (never
    after the first installment), then each installment on its date."""
    first = min((due_on for due_on, _ in instalments), default=written_on)
    down = [(min(written_on, first), down_payment)] if down_payment > 0 else []
    return sorted([*down, *instalments], key=lambda due: due[0])


def owed(dues: list[tuple[date, Decimal]], paid: Decimal, total: Decimal, today: date) -> Owed:
    """Payments settle the earliest dues first; an amount due today is due, not overdue."""
    cumulative = overdue = due_now = next_amount = ZERO
    next_on = None
    for due_on, amount in dues:
        cumulative = min(cumulative + amount, total)
        unpaid = max(cumulative - paid, ZERO)
        if due_on < today:
            overdue = unpaid
        if due_on <= today:
            due_now = unpaid
        if next_on is None and unpaid > 0:
            next_on, next_amount = due_on, unpaid
    return Owed(overdue, due_now, next_on, next_amount)
