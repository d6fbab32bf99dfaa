"""Template variables: checked like the reminder wording, filled without Jinja."""

from __future__ import annotations

import pytest

from bbp.documents.standard import STANDARD
from bbp.documents.variables import VARIABLES, TemplateError, check, fill, used


@pytest.mark.parametrize("kind", sorted(STANDARD))
def test_every_standard_text_passes_its_own_check(kind):
    title, body = STANDARD[kind]
    check(title)
    check(body)
    assert set(used(body)) <= set(VARIABLES)


def test_the_required_variables_exist():
    required = (
        "agency_name agency_phone today bond_number bail_amount premium fees defendant_name "
        "defendant_dob defendant_address case_number court_name county charges next_court_date "
        "cosigner_names signer_name signer_role signer_address plan_summary balance collateral "
        "collateral_return_days"
    ).split()
    assert [name for name in required if name not in VARIABLES] == []


def test_spacing_inside_the_braces_does_not_matter():
    assert fill("{{bond_number}} / {{  bond_number  }}", {"bond_number": "B-1"}) == "B-1 / B-1"


def test_unknown_variables_are_named_in_the_message():
    with pytest.raises(TemplateError) as refused:
        check("Dear {{ signer_name }}, {{ bond_no }} and {{ ssn }}")
    assert "{{ bond_no }}" in str(refused.value) and "{{ ssn }}" in str(refused.value)
    assert "signer_name" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Bond {{ bond_number }", "Bond {{ bond_number }"),
        ("Bond { bond_number }}", "Bond { bond_number }}"),
        ("{{ Bond Number }}", "{{ Bond Number }}"),
        ("{{ }}", "{{ }}"),
        ("{% if x %}", "{% if x %}"),
    ],
)
def test_malformed_braces_are_refused_showing_where(text, shown):
    with pytest.raises(TemplateError) as refused:
        check(text)
    assert shown in str(refused.value)


def test_values_are_inserted_verbatim_and_never_evaluated():
    text = "Name: {{ signer_name }}; total {{ premium }}"
    hostile = {"signer_name": "{{ premium }} {{ 7*7 }} {% print 1 %}", "premium": "$100.00"}
    assert fill(text, hostile) == "Name: {{ premium }} {{ 7*7 }} {% print 1 %}; total $100.00"


def test_jinja_syntax_in_agency_text_is_refused_not_run():
    with pytest.raises(TemplateError):
        check("{{ config.SECRET_KEY }}")
    with pytest.raises(TemplateError):
        check("{{ ''.__class__ }}")


def test_a_section_is_kept_only_when_every_variable_in_it_has_a_value():
    text = "{{ signer_name }}[[, of {{ signer_address }}]], for bond {{ bond_number }}"
    present = {"signer_name": "Ana", "signer_address": "1 Main St", "bond_number": "B-1"}
    assert fill(text, present) == "Ana, of 1 Main St, for bond B-1"
    assert fill(text, present | {"signer_address": ""}) == "Ana, for bond B-1"


def test_a_section_prints_its_alternative_when_a_value_is_missing():
    text = "[[Plan:\n{{ plan_summary }}||There is no payment plan.]]"
    assert fill(text, {"plan_summary": "- $10.00 due May 1"}) == "Plan:\n- $10.00 due May 1"
    assert fill(text, {"plan_summary": ""}) == "There is no payment plan."


def test_missing_values_outside_sections_print_plain_words():
    text = "Born {{ defendant_dob }}; court {{ court_name }}; phone {{ agency_phone }}."
    missing = {"defendant_dob": "", "court_name": "", "agency_phone": ""}
    assert fill(text, missing) == "Born not on file; court not yet known; phone ."


def test_values_inside_sections_are_inserted_verbatim():
    text = "[[Signed by {{ signer_name }}]]"
    assert (
        fill(text, {"signer_name": "A ]] [[ || {{ today }}"}) == "Signed by A ]] [[ || {{ today }}"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[[ of {{ signer_address }}", "Unmatched [["),
        ("of {{ signer_address }} ]]", "Unmatched ]]"),
        ("[[ a [[ {{ county }} ]] b ]]", "Unclosed [["),
        ("[[ no variable here ]]", "has no variable"),
        ("[[ {{ county }} || a || b ]]", "more than one ||"),
        ("Call us || write", "Unmatched ||"),
    ],
)
def test_malformed_sections_are_refused_saying_why(text, shown):
    with pytest.raises(TemplateError) as refused:
        check(text)
    assert shown in str(refused.value)


def test_the_new_variables_exist():
    for name in ("agency_address", "agency_license", "other_cosigner_names"):
        assert name in VARIABLES
