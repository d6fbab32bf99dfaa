"""US phone numbers: one module turns what people type into stored digits and +1 numbers."""

from __future__ import annotations

import pytest

from bbp.kernel import phones


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("(305) 555-0100", "+13055550100"),
        ("1-305-555-0100", "+13055550100"),
        ("+1 305 555 0100", "+13055550100"),
        ("3055550100", "+13055550100"),
        ("555-0100", None),
        ("", None),
        (None, None),
        ("44 20 7946 0958 12", None),
    ],
)
def test_e164_accepts_a_us_number_typed_any_way_and_nothing_else(typed, number):
    assert phones.e164(typed) == number


def test_stored_digits_round_trip_through_e164():
    assert phones.from_e164(phones.e164("3055550100")) == "3055550100"
    assert phones.format_phone(phones.digits("+1 (305) 555-0100")) == "(305) 555-0100"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("3055553219", "(305) 555-3219"),
        ("+13055553219", "(305) 555-3219"),
        ("+443055553219", "+443055553219"),
        ("555-0100", "555-0100"),
        (None, ""),
    ],
)
def test_format_phone_reads_ten_digits_and_us_e164_alike(stored, shown):
    assert phones.format_phone(stored) == shown
