"""The agency settings form: premium rule, fees, collateral and forfeiture days, agency details."""

from __future__ import annotations

import re
from dataclasses import asdict, fields
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from bbp.settings import agency, services
from bbp.settings.agency import AgencyDetails
from bbp.settings.models import AgencySettings
from bbp.web.forms import AddressFields, MoneyField, PhoneField, add_blank_rows, text

if TYPE_CHECKING:
    from bbp.courts.forfeiture import StateRules

DAYS = re.compile(r"-?\d{1,6}")
BLANK_FEE_ROWS = 2


class PercentField(DecimalField):
    """A percentage such as 10 or 10.5 (a trailing % is fine), more than 0 and at most 100."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, places=None, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            number = Decimal(valuelist[0].strip().removesuffix("%").strip())
        except InvalidOperation:
            raise ValueError("Enter the rate as a percentage, e.g. 10 or 10.5.") from None
        if not number.is_finite():
            raise ValueError("Enter the rate as a percentage, e.g. 10 or 10.5.")
        self.data = number

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}"

    def pre_validate(self, form):
        if self.data is None:
            return
        if not 0 < self.data <= 100:
            raise ValidationError("The rate must be more than 0% and at most 100%.")
        if self.data != self.data.quantize(Decimal("0.01")):
            raise ValidationError("Use at most 2 decimals, e.g. 10.25.")


class DaysField(IntegerField):
    """A whole number of days; blank means none."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        if not DAYS.fullmatch(valuelist[0].strip()):
            raise ValueError("Enter a whole number of days, e.g. 21.")
        self.data = int(valuelist[0])


class FeeForm(FlaskForm):
    """One fee row; a row left completely blank is ignored."""

    class Meta:
        csrf = False

    # No Optional(): it would skip validate_name, which asks for a name next to an amount.
    name = StringField("Fee", validators=[Length(max=60)])
    amount = MoneyField("Amount")

    @property
    def blank(self) -> bool:
        return not (self.name.data or "").strip() and self.amount.data is None

    def validate_name(self, field):
        if self.amount.data is not None and not (field.data or "").strip():
            raise ValidationError("Name the fee.")

    def validate_amount(self, field):
        if field.data is None and not field.process_errors and (self.name.data or "").strip():
            raise ValidationError("Enter the fee amount.")


class PremiumForm(FlaskForm):
    """How the agency prices a bond."""

    rate = PercentField(
        "Premium rate (%)", validators=[InputRequired("Enter the rate, e.g. 10 for 10%.")]
    )
    minimum_per_bond = MoneyField(
        "Minimum per bond",
        allow_zero=True,
        validators=[InputRequired("Enter the minimum per bond (0 if none).")],
    )
    minimum_per_charge = MoneyField(
        "Minimum per charge",
        allow_zero=True,
        validators=[InputRequired("Enter the minimum per charge (0 if none).")],
    )
    premium_term = SelectField(
        "Term",
        choices=[
            SelectChoice("full_term", "Full term (charged once)"),
            SelectChoice("annual", "Annual (charged each year)"),
        ],
        default="full_term",
    )
    fees = FieldList(FormField(FeeForm), max_entries=services.MAX_FEES)

    def premium_error(self) -> str | None:
        """The first message about the premium fields, if any."""
        for name in ("rate", "minimum_per_bond", "minimum_per_charge", "premium_term"):
            if self[name].errors:
                return self[name].errors[0]
        for entry in self.fees:
            for field in entry.form:
                if field.errors:
                    return field.errors[0]
        return None

    def add_fee_rows(self, count: int = 3) -> None:
        """More blank fee rows, up to the limit."""
        add_blank_rows(self.fees, count)


class _Overrides(FlaskForm):
    class Meta:
        csrf = False


class SettingsForm(AddressFields, PremiumForm):
    """Everything on the settings page."""

    phone = PhoneField("Phone", render_kw={"inputmode": "tel", "autocomplete": "tel"})
    license_number = text("State license number", 40)

    collateral_return_days = DaysField(
        "Days to return collateral after discharge",
        validators=[
            InputRequired("Enter the number of days (0 to 365)."),
            NumberRange(0, services.MAX_RETURN_DAYS, "Use 0 to 365 days."),
        ],
    )
    overrides = FormField(_Overrides)

    def override_days(self) -> dict[str, int]:
        """The forfeiture day counts that were filled in, by rule key."""
        return {key: days for key, days in self.overrides.data.items() if days is not None}

    def details(self) -> AgencyDetails:
        """The agency's address, phone and license number as typed."""
        return AgencyDetails(**{f.name: self[f.name].data or "" for f in fields(AgencyDetails)})


def settings_form(rules: StateRules | None, saved: AgencySettings | None = None) -> SettingsForm:
    """The form with one optional day count per forfeiture rule; filled from `saved` if given."""
    days = {
        rule.key: DaysField(
            rule.label,
            validators=[
                Optional(),
                NumberRange(
                    1,
                    services.MAX_OVERRIDE_DAYS,
                    "Use 1 to 3650 days, or leave blank for the statutory default.",
                ),
            ],
        )
        for rule in (rules.rules if rules else ())
    }
    overrides = FormField(type("OverridesForm", (_Overrides,), days))
    form_class = type("AgencySettingsForm", (SettingsForm,), {"overrides": overrides})
    return form_class() if saved is None else form_class(data=_initial(saved, rules))


def _initial(saved: AgencySettings, rules: StateRules | None) -> dict:
    fees = [{"name": f["name"], "amount": Decimal(f["amount"])} for f in saved.fees or []]
    blanks = min(BLANK_FEE_ROWS, services.MAX_FEES - len(fees))
    known = {rule.key for rule in rules.rules} if rules else set()
    return {
        "rate": saved.premium_rate * 100,
        "minimum_per_bond": saved.minimum_per_bond,
        "minimum_per_charge": saved.minimum_per_charge,
        "premium_term": saved.premium_term,
        "fees": [*fees, *([None] * blanks)],
        "collateral_return_days": saved.collateral_return_days,
        "overrides": {k: v for k, v in (saved.forfeiture_overrides or {}).items() if k in known},
        **asdict(agency.of(saved)),
    }


class ArchiveDownloadForm(FlaskForm):
    """The owner's password, asked again before their agency's data leaves."""

    password = PasswordField(
        "Your password", validators=[InputRequired("Enter your password to download.")]
    )
