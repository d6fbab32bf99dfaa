"""Forms for connecting the agency's Stripe account and for the platform's fee per plan."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, ValidationError

from bbp.web.forms import MoneyField

BASIS_POINT = Decimal("0.01")  # a percent with two decimals is whole basis points


class DisconnectForm(FlaskForm):
    """Typed confirmation before online payments stop."""

    confirm = StringField(
        "Type DISCONNECT to confirm",
        validators=[InputRequired("Type DISCONNECT to confirm.")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class PercentField(StringField):
    """A percent such as 2.9 or 2.90 (whole basis points), read as a Decimal."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().removesuffix("%").strip()
        self.raw = raw
        try:
            self.data = Decimal(raw) if raw else None
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter a percent such as 2.9, or 0 for none.") from None
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a percent such as 2.9, or 0 for none.")

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else f"{self.data:f}")

    def pre_validate(self, form):
        if self.data is None:
            return
        if not Decimal(0) <= self.data <= Decimal(20):
            raise ValidationError("Enter a percent from 0 to 20.")
        if self.data != self.data.quantize(BASIS_POINT):
            raise ValidationError("Use at most two decimals, such as 2.9 or 2.95.")


class FeeForm(FlaskForm):
    """A plan's platform fee: a percent of each payment plus a fixed amount."""

    percent = PercentField(
        "Percent of each payment",
        validators=[InputRequired("Enter a percent such as 2.9, or 0 for none.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    fixed = MoneyField(
        "Fixed amount per payment ($)",
        allow_zero=True,
        validators=[InputRequired("Enter a fixed amount such as 0.30, or 0 for none.")],
    )

    def validate_fixed(self, field) -> None:
        if field.data is not None and field.data > Decimal("10"):
            raise ValidationError("Enter a fixed fee from $0.00 to $10.00.")

    def basis_points(self) -> int:
        return int(self.percent.data * 100)

    def fixed_cents(self) -> int:
        return int(self.fixed.data * 100)

    def show(self, plan) -> None:
        """Fill the form from the plan's fee (the page's first view)."""
        self.percent.data = (Decimal(plan.application_fee_bps) / 100).normalize()
        self.fixed.data = Decimal(plan.application_fee_cents) / 100
