"""Intake and lifecycle forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from bbp.kernel.dates import PLAN_DATE
from bbp.payments.plans import FREQUENCIES
from bbp.web.forms import MoneyField, PhoneField, RangedDateField, text

MAX_CHARGES = 40


class ChargeForm(FlaskForm):
    """One charge row; a row left completely blank is ignored."""

    class Meta:
        csrf = False

    # No Optional(): it would stop validate_description for a row that has only an amount.
    description = StringField("Charge", validators=[Length(max=200)])
    statute = text("Statute", 60)
    degree = SelectField(
        "Degree",
        choices=[SelectChoice("misdemeanor", "Misdemeanor"), SelectChoice("felony", "Felony")],
        default="misdemeanor",
    )
    bail_amount = MoneyField("Bail amount")

    @property
    def blank(self) -> bool:
        return not (self.description.data or self.statute.data or self.bail_amount.data)

    def validate_description(self, field):
        if not self.blank and not field.data:
            raise ValidationError("Describe the charge.")

    def validate_bail_amount(self, field):
        if not self.blank and field.data is None:
            raise ValidationError("Enter the bail amount for this charge.")


class ChargesForm(FlaskForm):
    """The case and its charges."""

    case_number = text("Case number", 60)
    court_name = text("Court")
    county = text("County", 80)
    charges = FieldList(FormField(ChargeForm), min_entries=1, max_entries=MAX_CHARGES)
    override = MoneyField("Bail amount set by the court (if not the sum of the charges)")
    override_reason = text("Why it differs", 500)
    years = IntegerField(
        "Years (annual premium)",
        default=1,
        validators=[Optional(), NumberRange(1, 10, "Use 1 to 10 years.")],
    )


class CosignerForm(FlaskForm):
    """A new cosigner typed in during intake."""

    first_name = StringField(
        "First name", validators=[InputRequired("Enter the first name."), Length(max=80)]
    )
    last_name = StringField(
        "Last name", validators=[InputRequired("Enter the last name."), Length(max=80)]
    )
    phone = PhoneField("Mobile phone", render_kw={"inputmode": "tel"})
    relationship = text("Relationship to the defendant", 60)


class ExistingCosignerForm(FlaskForm):
    """An existing cosigner picked from the search."""

    indemnitor_id = IntegerField("Cosigner", validators=[InputRequired()])
    relationship = text("Relationship to the defendant", 60)


class PlanForm(FlaskForm):
    """Down payment and instalments."""

    down_payment = MoneyField(
        "Down payment",
        allow_zero=True,
        validators=[InputRequired("Enter the down payment (0 if none).")],
    )
    count = IntegerField(
        "Number of installments",
        default=4,
        validators=[Optional(), NumberRange(1, 104, "Use 1 to 104.")],
    )
    frequency = SelectField(
        "Every",
        choices=[
            SelectChoice("weekly", "week"),
            SelectChoice("biweekly", "two weeks"),
            SelectChoice("monthly", "month"),
        ],
        default="monthly",
    )
    first_due = RangedDateField("First installment due", within=PLAN_DATE, validators=[Optional()])

    def validate_frequency(self, field):
        if field.data not in FREQUENCIES:
            raise ValidationError("Choose how often installments fall due.")


class WriteForm(FlaskForm):
    """The power of attorney that will back the bond."""

    power_id = SelectField(
        "Power of attorney", coerce=int, validators=[InputRequired("Choose a power.")]
    )


class NoteForm(FlaskForm):
    """A note for the bond's timeline."""

    body = TextAreaField("Note", validators=[Length(max=4000)])


class StatusForm(FlaskForm):
    """Move a bond to another status."""

    status = SelectField("New status")
    reason = TextAreaField("Why", validators=[Optional(), Length(max=1000)])
