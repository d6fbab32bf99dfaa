"""Dollars in the ledger, cents at Stripe: converted exactly, never through a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class NotWholeCents(ValueError):
    """An amount with a fraction of a cent cannot be charged."""


def to_cents(amount: Decimal) -> int:
    """$12.34 -> 1234; refuses $12.345 rather than rounding someone's money."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise NotWholeCents(f"{amount} is not a whole number of cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """1234 -> Decimal("12.34")."""
    return (Decimal(cents) / 100).quantize(CENT)


def application_fee(amount_cents: int, basis_points: int, fixed_cents: int) -> int:
    """The platform's fee on a payment: basis points of the amount, rounded half up to the cent,
    plus the fixed cents; never more than the payment itself."""
    percent = (Decimal(amount_cents) * basis_points / 10_000).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return min(int(percent) + fixed_cents, amount_cents)


def dollars(cents: int) -> str:
    """1234 -> "$12.34" (negative amounts as "-$12.34")."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${from_cents(abs(cents)):,}"
