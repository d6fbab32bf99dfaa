"""Agency settings: premium rule, fees, collateral return days and forfeiture day overrides."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.premium import quote
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.settings import services
from bbp.settings.models import AgencySettings
from bbp.tenancy import bound
from tests.support import PASSWORD, add_user

URL = "/settings/"
PREVIEW = "/settings/preview"


def _form(**fields) -> dict:
    return {
        "rate": "10",
        "minimum_per_bond": "0",
        "minimum_per_charge": "0",
        "premium_term": "full_term",
        "fees-0-name": "",
        "fees-0-amount": "",
        "collateral_return_days": "21",
    } | fields


def _value(page: str, name: str) -> str | None:
    """The value shown in the named input."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    found = tag and re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def _saved(app, agency) -> AgencySettings:
    with app.app_context(), bound(agency.info, db.session):
        settings = services.current()
        db.session.expunge(settings)
        return settings


def _audit(app, agency) -> list[AuditEntry]:
    with app.app_context(), bound(agency.info, db.session):
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "settings.changed")
        ).all()
        db.session.expunge_all()
        return list(entries)


@pytest.fixture
def florida(make_agency, visit):
    agency = make_agency("fl", state="FL")
    visitor = visit(agency)
    assert visitor.login(agency.owner_email, PASSWORD).status_code == 302
    return agency, visitor


@pytest.mark.parametrize("role", ["manager", "agent", "viewer"])
def test_only_admins_and_owners_may_see_or_change_settings(app, visit, tenant, role):
    user = add_user(app, tenant.info, role)
    visitor = visit(tenant)
    visitor.login(user.email)
    assert visitor.get(URL).status_code == 403
    assert visitor.post(URL, _form(rate="50")).status_code == 403
    assert visitor.post(PREVIEW, _form(), htmx=True).status_code == 403
    assert _saved(app, tenant).premium_rate == Decimal("0.1000")


def test_an_admin_may_change_settings(app, visit, tenant):
    admin = add_user(app, tenant.info, "admin")
    visitor = visit(tenant)
    visitor.login(admin.email)
    assert visitor.get(URL).status_code == 200
    assert visitor.post(URL, _form(rate="12")).status_code == 302
    assert _saved(app, tenant).premium_rate == Decimal("0.1200")


def test_every_field_is_saved_and_shown_again(app, owner, tenant):
    response = owner.post(
        URL,
        _form(
            rate="10.5",
            minimum_per_bond="75",
            minimum_per_charge="$1,100.50",
            premium_term="annual",
            collateral_return_days="30",
            **{
                "fees-0-name": "Filing fee",
                "fees-0-amount": "25",
                "fees-2-name": " Court cost ",
                "fees-2-amount": "12.50",
            },
        ),
    )
    assert response.status_code == 302
    saved = _saved(app, tenant)
    assert saved.premium_rate == Decimal("0.1050")
    assert (saved.minimum_per_bond, saved.minimum_per_charge) == (
        Decimal("75.00"),
        Decimal("1100.50"),
    )
    assert saved.premium_term == "annual"
    assert saved.fees == [
        {"name": "Filing fee", "amount": "25.00"},
        {"name": "Court cost", "amount": "12.50"},
    ]
    assert saved.collateral_return_days == 30
    page = owner.get(URL).get_data(as_text=True)
    assert _value(page, "rate") == "10.5" and _value(page, "minimum_per_charge") == "1100.50"
    assert _value(page, "collateral_return_days") == "30"
    assert _value(page, "fees-0-name") == "Filing fee" and _value(page, "fees-1-amount") == "12.50"
    assert '<option selected value="annual">' in page
    assert "re-priced: bonds already priced keep their premium" in page


def test_florida_minimum_per_charge_prices_new_quotes(app, owner, tenant):
    page = owner.get(URL).get_data(as_text=True)
    assert "Florida: 10% or $100 per charge, whichever is greater" in page
    assert "A $2,500 bond with charges of $500 and $2,000 costs" in page
    assert '<strong><span class="money">$250.00</span></strong>' in page
    owner.post(URL, _form(minimum_per_charge="100"))
    with app.app_context(), bound(tenant.info, db.session):
        assert quote(services.premium_rule(), [Decimal(500), Decimal(2000)]).premium == Decimal(
            "300.00"
        )
    assert '<strong><span class="money">$300.00</span></strong>' in owner.get(URL).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate": "0"}, "more than 0% and at most 100%"),
        ({"rate": "101"}, "more than 0% and at most 100%"),
        ({"rate": "abc"}, "Enter the rate as a percentage"),
        ({"rate": "10.123"}, "Use at most 2 decimals"),
        ({"rate": ""}, "Enter the rate"),
        ({"minimum_per_bond": "-5"}, "The amount cannot be negative."),
        ({"minimum_per_charge": "1.005"}, "fractions of a cent"),
        ({"fees-0-amount": "25"}, "Name the fee."),
        ({"fees-0-name": "Filing fee"}, "Enter the fee amount."),
        ({"collateral_return_days": "400"}, "Use 0 to 365 days."),
        ({"collateral_return_days": "2.5"}, "whole number of days"),
        ({"premium_term": "weekly"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(
    app, owner, tenant, fields, message
):
    response = owner.post(URL, _form(**({"rate": "12"} | fields)))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    for name, typed in ({"rate": "12"} | fields).items():
        if name != "premium_term":
            assert _value(body, name) == typed
    assert _saved(app, tenant).premium_rate == Decimal("0.1000")
    assert _audit(app, tenant) == []


def test_florida_agency_overrides_forfeiture_days_and_blank_restores_the_statute(app, florida):
    agency, owner = florida
    page = owner.get(URL).get_data(as_text=True)
    assert "Forfeiture payment due (60 days)" in page and "Statutory: 60 days." in page
    assert 'name="overrides-remission_window_end"' in page
    response = owner.post(
        URL,
        _form(**{"overrides-payment_due": "45", "overrides-not_a_rule": "9"}),
    )
    assert response.status_code == 302
    assert _saved(app, agency).forfeiture_overrides == {"payment_due": 45}
    page = owner.get(URL).get_data(as_text=True)
    assert _value(page, "overrides-payment_due") == "45"
    assert "not_a_rule" not in page
    owner.post(URL, _form(**{"overrides-payment_due": ""}))
    assert _saved(app, agency).forfeiture_overrides == {}


def test_stale_override_keys_are_dropped_on_save(app, florida):
    agency, owner = florida
    with app.app_context(), bound(agency.info, db.session):
        services.current().forfeiture_overrides = {"answer_due": 10, "payment_due": 50}
        db.session.commit()
    assert _value(owner.get(URL).get_data(as_text=True), "overrides-payment_due") == "50"
    owner.post(URL, _form(**{"overrides-payment_due": "50"}))
    assert _saved(app, agency).forfeiture_overrides == {"payment_due": 50}


def test_the_service_never_saves_unknown_or_out_of_range_overrides(app, make_agency):
    agency = make_agency("fl", state="FL")
    with app.app_context(), bound(agency.info, db.session):
        rule = services.premium_rule()
        with pytest.raises(DomainError, match="not_a_rule"):
            services.save(services.SettingsInput(rule, 21, {"not_a_rule": 5}), None)
        with pytest.raises(DomainError, match="1 to 3650"):
            services.save(services.SettingsInput(rule, 21, {"payment_due": 0}), None)
        db.session.rollback()
    assert _saved(app, agency).forfeiture_overrides == {}
    assert _audit(app, agency) == []


@pytest.mark.parametrize(
    ("days", "message"), [("0", "Use 1 to 3650 days"), ("x", "whole number of days")]
)
def test_bad_override_days_are_refused(app, florida, days, message):
    agency, owner = florida
    response = owner.post(URL, _form(**{"overrides-payment_due": days}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and _value(body, "overrides-payment_due") == days
    assert _saved(app, agency).forfeiture_overrides == {}


def test_agency_without_a_state_is_told_why_there_are_no_overrides(app, owner, tenant):
    assert tenant.info.state is None
    page = owner.get(URL).get_data(as_text=True)
    assert "no state on file" in page
    assert 'name="overrides-' not in page
    owner.post(URL, _form(**{"overrides-payment_due": "45"}))
    assert _saved(app, tenant).forfeiture_overrides == {}


def test_preview_returns_only_the_example_and_saves_nothing(app, owner, tenant):
    owner.get(URL)
    response = owner.post(
        PREVIEW,
        _form(minimum_per_charge="100", **{"fees-0-name": "Filing", "fees-0-amount": "25"}),
        htmx=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="premium-example"' in body
    assert '<strong><span class="money">$300.00</span></strong>' in body
    assert '<span class="money">$325.00</span> in all' in body
    assert "minimum $100.00 applies" in body
    saved = _saved(app, tenant)
    assert (saved.minimum_per_charge, saved.fees) == (Decimal("0.00"), [])
    assert _audit(app, tenant) == []


def test_preview_of_bad_input_is_a_422_fragment_with_the_message(app, owner):
    owner.get(URL)
    response = owner.post(PREVIEW, _form(rate="abc"), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and "Enter the rate as a percentage" in body


def test_a_save_is_audited_with_before_and_after(app, owner, tenant):
    owner.post(URL, _form(rate="10.5", **{"fees-0-name": "Filing", "fees-0-amount": "25"}))
    (entry,) = _audit(app, tenant)
    assert entry.actor_label == tenant.owner_email
    assert entry.before["premium_rate"] == "0.1000" and entry.after["premium_rate"] == "0.1050"
    assert entry.before["fees"] == [] and entry.after["fees"] == [
        {"name": "Filing", "amount": "25.00"}
    ]
    assert set(entry.after) == {
        "premium_rate",
        "minimum_per_bond",
        "minimum_per_charge",
        "premium_term",
        "fees",
        "collateral_return_days",
        "forfeiture_overrides",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "postal_code",
        "phone",
        "license_number",
    }


def test_a_save_leaves_the_other_agency_untouched(app, owner, tenant, other_tenant):
    owner.post(URL, _form(rate="15", minimum_per_bond="100", collateral_return_days="10"))
    assert _saved(app, tenant).premium_rate == Decimal("0.1500")
    theirs = _saved(app, other_tenant)
    assert (theirs.premium_rate, theirs.minimum_per_bond, theirs.collateral_return_days) == (
        Decimal("0.1000"),
        Decimal("0.00"),
        21,
    )
    assert _audit(app, other_tenant) == []


def test_more_fee_rows_stop_at_ten(app, owner):
    owner.get(URL)
    data = _form()
    for _ in range(5):
        page = owner.post(URL, data | {"more": "1"}).get_data(as_text=True)
        rows = len(re.findall(r'name="fees-\d+-amount"', page))
        data = data | {f"fees-{n}-name": "" for n in range(rows)}
    assert rows == 10 and "Add more rows" not in page


AGENCY = {
    "address_line1": "100  Main Street",
    "address_line2": "Suite 2",
    "city": "Miami",
    "state": "fl",
    "postal_code": "33101",
    "phone": "(305) 555-0100",
    "license_number": "P123456",
}


def test_the_agency_address_phone_and_license_are_saved_and_shown(app, owner, tenant):
    assert owner.post(URL, _form(**AGENCY)).status_code == 302
    saved = _saved(app, tenant)
    assert (saved.address_line1, saved.state, saved.phone) == (
        "100 Main Street",
        "FL",
        "3055550100",
    )
    assert (saved.license_number, saved.postal_code) == ("P123456", "33101")
    page = owner.get(URL).get_data(as_text=True)
    assert _value(page, "phone") == "(305) 555-0100" and _value(page, "city") == "Miami"
    (entry,) = _audit(app, tenant)
    assert entry.before["license_number"] == "" and entry.after["license_number"] == "P123456"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "555-0100"}, "Enter a 10-digit phone number"),
        ({"state": "Florida"}, "two-letter state code"),
        ({"postal_code": "3310"}, "Enter a 5-digit ZIP code"),
        ({"city": ""}, "Enter the street, city, state and ZIP, or leave all blank."),
        ({"license_number": "P123;456"}, "as printed on the license"),
        ({"license_number": "P" * 41}, "40 characters"),
    ],
)
def test_bad_agency_details_are_refused_beside_the_field(app, owner, tenant, fields, message):
    typed = AGENCY | fields
    response = owner.post(URL, _form(**typed))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and 'class="field-error"' in body
    name = next(iter(fields))
    assert _value(body, name) == typed[name]
    assert _saved(app, tenant).address_line1 == "" and _audit(app, tenant) == []


def test_the_agency_details_may_be_left_blank(app, owner, tenant):
    blank = dict.fromkeys(AGENCY, "")
    assert owner.post(URL, _form(**blank)).status_code == 302
    assert _saved(app, tenant).phone == ""
