"""Premium calculator: rates, Florida per-charge minimums, per-bond minimums, fees, terms, cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbp.bonds.premium import CENT, Fee, PremiumError, PremiumRule, QuoteLine, quote

D = Decimal
TEN = PremiumRule(rate=D("0.10"))
FLORIDA = PremiumRule(rate=D("0.10"), minimum_per_charge=D("100"))


def _lines(q) -> list[tuple[str, Decimal]]:
    return [(line.label, line.amount) for line in q.lines]


def test_plain_ten_percent_of_the_charges():
    q = quote(TEN, [D("1000"), D("1500")])
    assert q.premium == D("250.00")
    assert q.fees == D("0.00")
    assert q.total == D("250.00")
    assert _lines(q) == [("10% of $2,500.00", D("250.00"))]


def test_federal_fifteen_percent():
    q = quote(PremiumRule(rate=D("0.15")), [D("20000")])
    assert q.premium == D("3000.00")
    assert _lines(q) == [("15% of $20,000.00", D("3000.00"))]


def test_bail_override_replaces_the_sum_of_charges():
    q = quote(TEN, [D("1000"), D("1500")], bail_amount=D("5000"))
    assert q.premium == D("500.00")
    assert _lines(q) == [("10% of $5,000.00", D("500.00"))]


def test_florida_minimum_applies_to_some_charges_only():
    q = quote(FLORIDA, [D("500"), D("2000")])
    assert _lines(q) == [
        ("Charge 1: 10% of $500.00 = $50.00, minimum $100.00 applies", D("100.00")),
        ("Charge 2: 10% of $2,000.00", D("200.00")),
    ]
    assert q.premium == D("300.00")
    assert q.total == D("300.00")


def test_florida_minimum_on_every_charge():
    q = quote(FLORIDA, [D("300"), D("400"), D("999")])
    assert q.premium == D("300.00")
    assert all("minimum $100.00 applies" in label for label, _ in _lines(q))


def test_florida_minimum_on_no_charge():
    q = quote(FLORIDA, [D("1500"), D("2500")])
    assert q.premium == D("400.00")
    assert _lines(q) == [
        ("Charge 1: 10% of $1,500.00", D("150.00")),
        ("Charge 2: 10% of $2,500.00", D("250.00")),
    ]


def test_florida_charge_exactly_at_the_minimum_does_not_mention_it():
    q = quote(FLORIDA, [D("1000")])
    assert _lines(q) == [("Charge 1: 10% of $1,000.00", D("100.00"))]


def test_florida_override_below_the_per_charge_minimum():
    q = quote(FLORIDA, [D("500"), D("500"), D("500")], bail_amount=D("2000"))
    assert q.premium == D("300.00")
    assert _lines(q) == [
        ("10% of $2,000.00 = $200.00, minimum 3 charges at $100.00 applies", D("300.00"))
    ]


def test_florida_override_above_the_per_charge_minimum():
    # Summing the charges would give 3 x $100 minimums; the court's single bail amount wins.
    q = quote(FLORIDA, [D("500"), D("500"), D("500")], bail_amount=D("10000"))
    assert q.premium == D("1000.00")
    assert _lines(q) == [("10% of $10,000.00", D("1000.00"))]


def test_florida_rounds_each_charge_on_its_own():
    # Each charge is its own bond: 123.454 -> 123.45 twice, a cent under 10% of the total.
    q = quote(FLORIDA, [D("1234.54"), D("1234.54")])
    assert q.premium == D("246.90")
    assert q.premium == sum(line.amount for line in q.lines)


def test_minimum_per_bond_raises_a_small_premium():
    q = quote(PremiumRule(rate=D("0.10"), minimum_per_bond=D("150")), [D("500")])
    assert q.premium == D("150.00")
    assert _lines(q)[-1] == ("Minimum per bond $150.00 applies", D("150.00"))


def test_minimum_per_bond_not_shown_when_premium_is_higher():
    q = quote(PremiumRule(rate=D("0.10"), minimum_per_bond=D("150")), [D("5000")])
    assert q.premium == D("500.00")
    assert _lines(q) == [("10% of $5,000.00", D("500.00"))]


def test_minimum_per_bond_after_florida_charges():
    rule = PremiumRule(rate=D("0.10"), minimum_per_charge=D("100"), minimum_per_bond=D("250"))
    q = quote(rule, [D("500"), D("600")])
    assert q.premium == D("250.00")
    assert _lines(q)[-1] == ("Minimum per bond $250.00 applies", D("250.00"))


def test_fees_are_listed_and_added_to_the_total():
    rule = PremiumRule(
        rate=D("0.10"), fees=(Fee("Filing fee", D("25")), Fee("Jail fee", D("10.50")))
    )
    q = quote(rule, [D("2000")])
    assert q.premium == D("200.00")
    assert q.fees == D("35.50")
    assert q.total == D("235.50")
    assert _lines(q) == [
        ("10% of $2,000.00", D("200.00")),
        ("Filing fee", D("25.00")),
        ("Jail fee", D("10.50")),
    ]


def test_annual_term_charges_each_year():
    rule = PremiumRule(rate=D("0.10"), minimum_per_bond=D("100"), term="annual")
    q = quote(rule, [D("500")], years=3)
    assert q.premium == D("300.00")
    assert _lines(q)[-1] == ("3 years at $100.00 a year", D("300.00"))


def test_annual_term_says_so_for_one_year():
    q = quote(PremiumRule(rate=D("0.10"), term="annual"), [D("2000")])
    assert q.premium == D("200.00")
    assert _lines(q)[-1] == ("1 year at $200.00 a year", D("200.00"))


def test_full_term_ignores_years():
    assert quote(TEN, [D("2000")], years=5).premium == D("200.00")


@pytest.mark.parametrize(
    ("charge", "premium"),
    [
        ("1234.55", "123.46"),  # 123.455 rounds up
        ("1234.45", "123.45"),  # 123.445 rounds up too (banker's rounding would give .44)
        ("1234.54", "123.45"),  # 123.454 rounds down
        ("0.05", "0.01"),  # half a cent rounds up
    ],
)
def test_rounds_half_up_to_cents(charge, premium):
    assert quote(TEN, [D(charge)]).premium == D(premium)


def test_accepts_int_and_str_amounts():
    rule = PremiumRule(rate="0.10", minimum_per_bond=50, fees=(Fee("Filing fee", "25"),))
    q = quote(rule, [1000, "1000", " 500.50 "])
    assert q.premium == D("250.05")
    assert q.total == D("275.05")


def test_every_amount_has_two_decimal_places():
    rule = PremiumRule(rate=D("0.1"), fees=(Fee("Filing fee", D("25")),))
    q = quote(rule, [D("1E+3")])
    amounts = [q.premium, q.fees, q.total, *(line.amount for line in q.lines)]
    assert [a.as_tuple().exponent for a in amounts] == [-2] * len(amounts)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: quote(TEN, [500.0]),
            "Charge 1 must be exact (text or Decimal), not a float, to keep cents.",
        ),
        (
            lambda: quote(TEN, [D("500")], bail_amount=1000.0),
            "Bail amount must be exact (text or Decimal), not a float, to keep cents.",
        ),
        (
            lambda: quote(PremiumRule(rate=0.1), [D("500")]),
            "Rate must be exact (text or Decimal), not a float, to keep cents.",
        ),
        (
            lambda: quote(PremiumRule(rate=D("0.1"), fees=(Fee("Filing fee", 25.0),)), [1]),
            "Fee 'Filing fee' must be exact (text or Decimal), not a float, to keep cents.",
        ),
    ],
)
def test_floats_are_refused(call, message):
    with pytest.raises(PremiumError) as refused:
        call()
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("rule", "charges", "kwargs", "message"),
    [
        (TEN, [], {}, "Add at least one charge."),
        (TEN, [D("500"), D("0")], {}, "Charge 2 must be more than $0.00."),
        (TEN, [D("-5")], {}, "Charge 1 must be more than $0.00."),
        (TEN, ["abc"], {}, "Charge 1 must be a number, like 1250.00."),
        (TEN, [D("NaN")], {}, "Charge 1 must be a number, like 1250.00."),
        (TEN, [D("500.001")], {}, "Charge 1 can't include fractions of a cent."),
        (TEN, [D("1E+13")], {}, "Charge 1 is too large."),
        (TEN, [D("500")], {"bail_amount": D("0")}, "Bail amount must be more than $0.00."),
        (PremiumRule(rate=D("0")), [D("500")], {}, "Rate must be more than 0% and at most 100%."),
        (
            PremiumRule(rate=D("1.01")),
            [D("500")],
            {},
            "Rate must be more than 0% and at most 100%.",
        ),
        (PremiumRule(rate="10%"), [D("500")], {}, "Rate must be a number, like 0.10."),
        (
            PremiumRule(rate=D("0.1"), minimum_per_bond=D("-1")),
            [D("500")],
            {},
            "Minimum per bond can't be negative.",
        ),
        (
            PremiumRule(rate=D("0.1"), minimum_per_charge=D("-100")),
            [D("500")],
            {},
            "Minimum per charge can't be negative.",
        ),
        (
            PremiumRule(rate=D("0.1"), fees=(Fee("Filing fee", D("-25")),)),
            [D("500")],
            {},
            "Fee 'Filing fee' can't be negative.",
        ),
        (
            PremiumRule(rate=D("0.1"), fees=(Fee(" ", D("25")),)),
            [D("500")],
            {},
            "Every fee needs a name.",
        ),
        (
            PremiumRule(rate=D("0.1"), term="monthly"),
            [D("500")],
            {},
            "Unknown term 'monthly': use 'full_term' or 'annual'.",
        ),
        (TEN, [D("500")], {"years": 0}, "Years must be at least 1."),
        (
            PremiumRule(rate=D("0.1"), term="annual"),
            [D("500")],
            {"years": -2},
            "Years must be at least 1.",
        ),
        (TEN, [D("500")], {"years": D("1.5")}, "Years must be a whole number."),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(rule, charges, kwargs, message):
    with pytest.raises(PremiumError) as refused:
        quote(rule, charges, **kwargs)
    assert str(refused.value) == message


def test_rate_of_one_hundred_percent_is_allowed():
    assert quote(PremiumRule(rate=D("1")), [D("500")]).premium == D("500.00")


money = st.decimals(min_value=D("0.01"), max_value=D("5000000"), places=2)
rules = st.builds(
    PremiumRule,
    rate=st.decimals(min_value=D("0.001"), max_value=D("1"), places=3),
    minimum_per_bond=st.decimals(min_value=D("0"), max_value=D("5000"), places=2),
    minimum_per_charge=st.one_of(
        st.just(D("0")), st.decimals(min_value=D("0"), max_value=D("500"), places=2)
    ),
    fees=st.lists(
        st.builds(Fee, name=st.just("Fee"), amount=st.decimals(D("0"), D("500"), places=2)),
        max_size=3,
    ).map(tuple),
    term=st.sampled_from(["full_term", "annual"]),
)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@given(
    rule=rules,
    charges=st.lists(money, min_size=1, max_size=6),
    bail=st.none() | money,
    years=st.integers(min_value=1, max_value=10),
)
def test_quote_properties(rule, charges, bail, years):
    q = quote(rule, charges, bail_amount=bail, years=years)
    face = sum(charges) if bail is None else bail
    if rule.minimum_per_charge and bail is None:
        # Each charge is its own bond, rounded on its own: up to half a cent per charge under
        # rate x the total, never under the sum of the rounded charge premiums.
        floor = sum(_cents(rule.rate * charge) for charge in charges)
    else:
        floor = _cents(rule.rate * face)
    assert q.premium >= rule.minimum_per_bond
    assert q.premium >= floor
    assert q.premium >= rule.rate * face - D("0.005") * len(charges)
    assert q.total == q.premium + q.fees
    assert q.fees == sum((fee.amount for fee in rule.fees), D("0"))
    amounts = [q.premium, q.fees, q.total, *(line.amount for line in q.lines)]
    assert all(a.as_tuple().exponent == -2 for a in amounts)
    assert all(isinstance(line, QuoteLine) and line.label for line in q.lines)
