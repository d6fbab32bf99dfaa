"""Surety and power-batch forms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from bbp.kernel.dates import POWER_EXPIRY
from bbp.web.forms import MoneyField, RangedDateField

MAX_SERIAL = 2_147_483_647
PERCENT = Decimal("100")


class PercentField(DecimalField):
    """A percentage typed as 10 or 10%, held as the fraction 0.10."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().rstrip("%").strip()
        if not raw:
            return
        try:
            percent = Decimal(raw)
        except InvalidOperation:
            raise ValueError("Enter a percentage such as 10 or 12.5.") from None
        if not percent.is_finite():
            raise ValueError("Enter a percentage such as 10 or 12.5.")
        self.data = percent / PERCENT

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{(self.data * PERCENT).normalize():f}"

    def pre_validate(self, form):
        if self.data is None:
            return
        if not Decimal("0") <= self.data < Decimal("1"):
            raise ValidationError("Enter a percentage from 0 to less than 100.")
        if self.data != self.data.quantize(Decimal("0.0001")):
            raise ValidationError("Use at most two decimal places, e.g. 12.25.")


class SuretyForm(FlaskForm):
    """A surety company and its build-up fund share of each premium."""

    name = StringField(
        "Surety company", validators=[InputRequired("Enter the surety's name."), Length(max=120)]
    )
    buf_rate = PercentField(
        "Build-up fund (% of premium)", validators=[InputRequired("Enter the BUF percentage.")]
    )


def _serial(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(f"Enter the {label.lower()}."),
            NumberRange(0, MAX_SERIAL, "Enter a serial number from 0 to 2,147,483,647."),
        ],
        render_kw={"inputmode": "numeric"},
    )


class BatchForm(FlaskForm):
    """A numbered set of powers received from a surety."""

    surety_id = SelectField("Surety", coerce=int)
    prefix = StringField(
        "Prefix", validators=[InputRequired("Enter the prefix printed on the powers.")]
    )
    first_serial = _serial("First serial")
    last_serial = _serial("Last serial")
    denomination = MoneyField(
        "Denomination (largest bond)", validators=[InputRequired("Enter the denomination.")]
    )
    expires_on = RangedDateField(
        "Expires on", within=POWER_EXPIRY, validators=[InputRequired("Enter the expiration date.")]
    )
