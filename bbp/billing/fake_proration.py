"""Stripe's proration of a price change inside a period: credit the unused time on the old
price, charge the remaining time on the new one, both by the second and rounded to cents."""

from __future__ import annotations

from datetime import UTC, datetime


def prorated(amount: int, start: int, end: int, at: int) -> int:
    """The share of `amount` for the seconds from `at` to the period's `end`."""
    return round(amount * (end - at) / (end - start))


def proration_lines(item: dict, old: dict, new: dict, at: int, names: tuple[str, str]) -> list:
    """The two invoice lines of moving `item` from price `old` to `new` at the second `at`."""
    start, end = item["current_period_start"], item["current_period_end"]
    quantity = int(item.get("quantity", 1))
    day = _day(at)
    return [
        {
            "amount": -prorated(old["unit_amount"] * quantity, start, end, at),
            "description": f"Unused time on {names[0]} after {day}",
            "price": old["id"],
            "period": {"start": at, "end": end},
        },
        {
            "amount": prorated(new["unit_amount"] * quantity, start, end, at),
            "description": f"Remaining time on {names[1]} after {day}",
            "price": new["id"],
            "period": {"start": at, "end": end},
        },
    ]


def _day(at: int) -> str:
    """A date as Stripe's line descriptions write it (30 Nov 2026)."""
    return datetime.fromtimestamp(at, UTC).strftime("%-d %b %Y")
