"""Each standard document reads naturally with details missing and with one or several cosigners."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bbp.bonds.models import Bond, BondIndemnitor
from bbp.defendants.models import Defendant
from bbp.documents import services
from bbp.documents.standard import STANDARD
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.settings import services as settings
from tests.documents.conftest import full_bond, inside

NAMES = ("Ana Diaz", "Luis Vega", "Rosa Ortiz")
# Traces of a value that was missing or of template syntax left in the text.
LEFTOVERS = re.compile(
    r"\(\)|\{\{|\}\}|\[\[|\]\]|\|\||Not on file|of not on file|not yet known County|  | ,|\( "
)


def bond_with(app, agency, cosigners: int = 0, addressed: bool = False) -> int:
    """A bond with nothing on file beyond names and amounts, and `cosigners` cosigners."""
    with inside(app, agency):
        bond = Bond(
            number="B-000012",
            defendant=Defendant(first_name="Marcus", last_name="Reyes"),
            status="application",
            bail_amount=Decimal("5000.00"),
            premium=Decimal("500.00"),
        )
        db.session.add(bond)
        db.session.flush()
        for name in NAMES[:cosigners]:
            first, last = name.split()
            person = Indemnitor(first_name=first, last_name=last)
            if addressed:
                person.address_line1, person.city, person.state = "40 Bay Road", "Miami", "FL"
                person.postal_code = "33102"
            db.session.add(person)
            db.session.flush()
            db.session.add(BondIndemnitor(bond_id=bond.id, indemnitor_id=person.id))
        db.session.commit()
        return bond.id


def render(app, agency, bond_id: int, kind: str, signer: int | str = "defendant") -> str:
    """The body of a document for the defendant, or for the cosigner at that position."""
    with inside(app, agency):
        bond = db.session.get(Bond, bond_id)
        person = bond.defendant if signer == "defendant" else bond.cosigners[signer].indemnitor
        return services.render_text(kind, bond, person).body


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("kind", sorted(STANDARD))
def test_missing_details_leave_no_gaps_in_any_document(app, tenant, kind):
    body = render(app, tenant, bond_with(app, tenant), kind)
    assert not LEFTOVERS.search(body), LEFTOVERS.search(body).group(0)
    assert "other indemnitor" not in body and "None" not in body


def test_the_application_names_what_is_missing_in_plain_words(app, tenant):
    body = render(app, tenant, bond_with(app, tenant), "application")
    for line in (
        "Date of birth: not on file",
        "Address: not on file",
        "Case number: not yet assigned",
        "Court: not yet known",
        "County: not yet known",
        "Next court date: not yet set",
        "Cosigners: none",
        "Charges: none on file",
    ):
        assert line in body.splitlines(), line
    assert "I, Marcus Reyes (Defendant), state" in flat(body)
    assert "can be directed to Alpha Bail Bonds." in flat(body)  # no phone on file: no "at"


def test_the_indemnity_leaves_out_a_missing_address_case_and_court(app, tenant):
    bond_id = bond_with(app, tenant, cosigners=1)
    body = flat(render(app, tenant, bond_id, "indemnity", signer=0))
    assert (
        "the undersigned indemnitor, Ana Diaz (Cosigner and indemnitor), for bail bond B-000012 "
        'posted for Marcus Reyes (the "Defendant"), in the amount of $5,000.00.'
    ) in body
    assert "No collateral is held today." in body


def test_an_addressed_signer_is_named_with_the_address(app, tenant):
    bond_id = bond_with(app, tenant, cosigners=1, addressed=True)
    body = flat(render(app, tenant, bond_id, "indemnity", signer=0))
    assert "Ana Diaz (Cosigner and indemnitor), of 40 Bay Road, Miami, FL 33102, for bail" in body


def test_a_single_cosigner_is_never_one_of_the_other_indemnitors(app, tenant):
    bond_id = bond_with(app, tenant, cosigners=1)
    body = flat(render(app, tenant, bond_id, "indemnity", signer=0))
    assert "joint and several: the Agency may collect the whole amount from me alone. 3." in body
    assert "other indemnitor" not in body and body.count("Ana Diaz") == 1


def test_with_three_cosigners_the_signer_is_left_out_of_the_others(app, tenant):
    bond_id = bond_with(app, tenant, cosigners=3)
    body = flat(render(app, tenant, bond_id, "indemnity", signer=1))
    assert (
        "from me alone. The same holds for every other indemnitor on this bond: "
        "Ana Diaz, Rosa Ortiz."
    ) in body
    assert body.count("Luis Vega") == 1  # only as the undersigned
    application = render(app, tenant, bond_id, "application")
    assert "Cosigners: Ana Diaz, Luis Vega, Rosa Ortiz" in application


def test_the_defendant_signing_the_indemnity_sees_every_cosigner_as_another(app, tenant):
    body = flat(render(app, tenant, bond_with(app, tenant, cosigners=3), "indemnity"))
    assert "every other indemnitor on this bond: Ana Diaz, Luis Vega, Rosa Ortiz." in body


def test_the_premium_agreement_without_a_plan_or_case(app, tenant):
    body = flat(render(app, tenant, bond_with(app, tenant, cosigners=1), "premium_agreement", 0))
    assert (
        "what Ana Diaz (Cosigner and indemnitor) agrees to pay Alpha Bail Bonds "
        '(the "Agency") for bail bond B-000012, posted for Marcus Reyes.'
    ) in body
    assert "2. Payment plan. There is no payment plan: the whole total is due when the bond" in body
    assert "Questions: Alpha Bail Bonds. Date:" in body


def test_the_collateral_receipt_without_collateral_or_court(app, tenant):
    body = flat(render(app, tenant, bond_with(app, tenant), "collateral_receipt"))
    assert "posted for Marcus Reyes, in the amount of $5,000.00." in body
    assert "No collateral is held for this bond today." in body


def test_agency_details_fill_the_phone_clauses(app, tenant):
    bond_id = bond_with(app, tenant, cosigners=1)
    with inside(app, tenant):
        row = settings.current()
        row.phone, row.license_number = "3055550100", "P123456"
        db.session.commit()
    application = flat(render(app, tenant, bond_id, "application"))
    premium = flat(render(app, tenant, bond_id, "premium_agreement", 0))
    assert "can be directed to Alpha Bail Bonds at (305) 555-0100." in application
    assert "Questions: Alpha Bail Bonds, (305) 555-0100." in premium


def test_the_full_bond_still_prints_every_detail_in_its_sentences(app, tenant):
    ids = full_bond(app, tenant)
    body = flat(render(app, tenant, ids["bond"], "indemnity", signer=0))
    assert (
        'posted for Carlos Lopez (the "Defendant") in case 2026-CF-000417 in Miami-Dade Circuit '
        "Court, Miami-Dade County, in the amount of $25,000.00."
    ) in body
    assert "Collateral held today: - Vehicle: 2018 Honda Civic" in body
    premium = flat(render(app, tenant, ids["bond"], "premium_agreement", 0))
    assert "is owed on this schedule: - Down payment: $1,000.00" in premium
