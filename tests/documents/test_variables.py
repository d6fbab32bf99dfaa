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
