"""Bail bond premium calculator: rate, minimums, fees and term, in exact cents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

CENT = Decimal("0.01")
TERMS = ("full_term", "annual")

# Enough digits that rate x amount is always exact before we round it to cents ourselves.
_CONTEXT = Context(prec=100, rounding=ROUND_HALF_UP)
_ZERO = Decimal("0.00")
# Far above any real bail; keeps every product well inside the context's precision.
_MAX_AMOUNT = Decimal("1000000000000")


@dataclass(frozen=True)
class Fee:
    """A flat fee added on top of the premium."""

    name: str
    amount: Decimal


@dataclass(frozen=True)
class PremiumRule:
    """How one agency (or state) prices a bond."""

    rate: Decimal
    minimum_per_bond: Decimal = Decimal("0")
    minimum_per_charge: Decimal = Decimal("0")
    fees: tuple[Fee, ...] = ()
    term: str = "full_term"


@dataclass(frozen=True)
class QuoteLine:
    """One step of the breakdown: a short label and the amount that step comes to."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class PremiumQuote:
    """The priced bond: breakdown lines in order, premium for the whole term, fees and total."""

    lines: tuple[QuoteLine, ...]
    premium: Decimal
    fees: Decimal
    total: Decimal


class PremiumError(ValueError):
    """Input the calculator refuses; the message is meant for the agent."""


def quote(
    rule: PremiumRule,
    charge_amounts: list[Decimal],
    bail_amount: Decimal | None = None,
    years: int = 1,
) -> PremiumQuote:
    """Price a bond for these charges under this rule."""
    with localcontext(_CONTEXT):
        charges = _charges(charge_amounts)
        bail = sum(charges, _ZERO) if bail_amount is None else _positive(bail_amount, "Bail amount")
        years = _years(years)
        rule = _checked_rule(rule)
        lines, premium = _base_premium(rule, charges, bail, overridden=bail_amount is not None)
        if premium < rule.minimum_per_bond:
            premium = rule.minimum_per_bond
            lines.append(QuoteLine(f"Minimum per bond {_usd(premium)} applies", premium))
        if rule.term == "annual":
            per_year, premium = premium, premium * years
            lines.append(QuoteLine(f"{_plural(years, 'year')} at {_usd(per_year)} a year", premium))
        lines.extend(QuoteLine(fee.name, fee.amount) for fee in rule.fees)
        fees = sum((fee.amount for fee in rule.fees), _ZERO)
        return PremiumQuote(tuple(lines), premium, fees, premium + fees)


def _base_premium(
    rule: PremiumRule, charges: list[Decimal], bail: Decimal, *, overridden: bool
) -> tuple[list[QuoteLine], Decimal]:
    """Premium before the per-bond minimum, with its breakdown lines."""
    if not rule.minimum_per_charge:
        amount = _cents(rule.rate * bail)
        return [QuoteLine(f"{_percent(rule.rate)} of {_usd(bail)}", amount)], amount
    if overridden:
        line = _line_with_minimum("", rule.rate, bail, rule.minimum_per_charge, len(charges))
        return [line], line.amount
    lines = [
        _line_with_minimum(f"Charge {n}: ", rule.rate, charge, rule.minimum_per_charge, 1)
        for n, charge in enumerate(charges, start=1)
    ]
    # Each charge is its own bond, so each is rounded on its own and the lines add up exactly.
    return lines, sum((line.amount for line in lines), _ZERO)


def _line_with_minimum(
    prefix: str, rate: Decimal, amount: Decimal, per_charge: Decimal, charges: int
) -> QuoteLine:
    """`rate` of `amount`, or `per_charge` times `charges` if that is more, saying which applied."""
    label = f"{prefix}{_percent(rate)} of {_usd(amount)}"
    premium, minimum = _cents(rate * amount), per_charge * charges
    if premium >= minimum:
        return QuoteLine(label, premium)
    floor = _usd(per_charge) if charges == 1 else f"{charges} charges at {_usd(per_charge)}"
    return QuoteLine(f"{label} = {_usd(premium)}, minimum {floor} applies", minimum)


def _checked_rule(rule: PremiumRule) -> PremiumRule:
    """The rule with every amount converted to Decimal and checked."""
    rate = _number(rule.rate, "Rate", example="0.10")
    if not 0 < rate <= 1:
        raise PremiumError("Rate must be more than 0% and at most 100%.")
    if rule.term not in TERMS:
        raise PremiumError(f"Unknown term {rule.term!r}: use 'full_term' or 'annual'.")
    return PremiumRule(
        rate=rate,
        minimum_per_bond=_not_negative(rule.minimum_per_bond, "Minimum per bond"),
        minimum_per_charge=_not_negative(rule.minimum_per_charge, "Minimum per charge"),
        fees=tuple(_checked_fee(fee) for fee in rule.fees),
        term=rule.term,
    )


def _checked_fee(fee: Fee) -> Fee:
    """The fee with its amount converted and checked."""
    if not isinstance(fee.name, str) or not fee.name.strip():
        raise PremiumError("Every fee needs a name.")
    return Fee(fee.name.strip(), _not_negative(fee.amount, f"Fee '{fee.name.strip()}'"))


def _charges(charge_amounts: list[Decimal]) -> list[Decimal]:
    """Charge amounts as positive cents; at least one."""
    amounts = [] if isinstance(charge_amounts, str | bytes) else list(charge_amounts)
    if not amounts:
        raise PremiumError("Add at least one charge.")
    return [_positive(amount, f"Charge {n}") for n, amount in enumerate(amounts, start=1)]


def _years(years: int) -> int:
    """Years of cover, a whole number from 1."""
    if isinstance(years, bool) or not isinstance(years, int):
        raise PremiumError("Years must be a whole number.")
    if years < 1:
        raise PremiumError("Years must be at least 1.")
    return years


def _positive(value: object, what: str) -> Decimal:
    """A money amount that must be more than zero."""
    amount = _money(value, what)
    if amount <= 0:
        raise PremiumError(f"{what} must be more than $0.00.")
    return amount


def _not_negative(value: object, what: str) -> Decimal:
    """A money amount that may be zero but not negative."""
    amount = _money(value, what)
    if amount < 0:
        raise PremiumError(f"{what} can't be negative.")
    return amount.copy_abs()  # turns -0.00 into 0.00


def _money(value: object, what: str) -> Decimal:
    """A number in whole cents, as a 2-place Decimal."""
    amount = _number(value, what)
    if abs(amount) >= _MAX_AMOUNT:
        raise PremiumError(f"{what} is too large.")
    if amount != amount.quantize(CENT):
        raise PremiumError(f"{what} can't include fractions of a cent.")
    return amount.quantize(CENT)


def _number(value: object, what: str, example: str = "1250.00") -> Decimal:
    """A finite Decimal from a Decimal, int or str; floats are refused because they lose cents."""
    if isinstance(value, float):
        raise PremiumError(f"{what} must be exact (text or Decimal), not a float, to keep cents.")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise PremiumError(f"{what} must be a number, like {example}.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PremiumError(f"{what} must be a number, like {example}.") from None
    if not number.is_finite():
        raise PremiumError(f"{what} must be a number, like {example}.")
    return number


def _cents(amount: Decimal) -> Decimal:
    """Round to cents, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _usd(amount: Decimal) -> str:
    """$1,234.56."""
    return f"${amount:,.2f}"


def _percent(rate: Decimal) -> str:
    """0.10 as 10%, 0.125 as 12.5%."""
    return f"{(rate * 100).normalize():f}%"


def _plural(count: int, noun: str) -> str:
    """'1 year', '3 years'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
