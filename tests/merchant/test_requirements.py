"""Stripe's requirement names in plain words, grouped by urgency."""

from __future__ import annotations

from bbp.merchant import requirements


def test_known_fields_read_as_things_to_do():
    assert requirements.plain("external_account") == "Add the bank account payouts go to"
    assert requirements.plain("person_1AbC.verification.document") == (
        "Upload a photo ID for the person who represents the agency"
    )
    assert (
        requirements.plain("representative.dob.year") == "Give the representative's date of birth"
    )
    assert requirements.plain("company.tax_id") == (
        "Give the agency's employer identification number (EIN)"
    )


def test_an_unknown_field_is_shown_as_stripe_spells_it():
    assert requirements.plain("something.new") == "Stripe asks for: something.new"


def test_each_field_shows_once_in_its_most_urgent_group():
    groups = requirements.groups(
        past_due=["external_account"],
        currently_due=["external_account", "tos_acceptance.date", "tos_acceptance.ip"],
        eventually_due=["external_account", "tos_acceptance.date", "company.tax_id"],
    )
    assert [(g.heading.split(":")[0], g.lines) for g in groups] == [
        ("Past due", ["Add the bank account payouts go to"]),
        ("Due now", ["Accept Stripe's services agreement"]),
        (
            "Due later, as the agency takes more payments",
            ["Give the agency's employer identification number (EIN)"],
        ),
    ]


def test_nothing_due_is_no_group():
    assert requirements.groups([], [], []) == []


def test_disabled_reasons_in_plain_words():
    assert requirements.disabled_reason(None) is None
    assert "needs the details" in requirements.disabled_reason("requirements.past_due")
    assert "Dashboard" in requirements.disabled_reason("a_reason_stripe_adds_later")
