"""The cosigner (indemnitor) form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bbp.indemnitors.models import HOUSING
from bbp.web.forms import (
    AddressFields,
    MoneyField,
    PhoneField,
    language_field,
    optional_email,
    text,
)

HOUSING_LABELS = {"own": "Owns", "rent": "Rents", "other": "Other", "": "Not recorded"}


class IndemnitorForm(AddressFields, FlaskForm):
    """What the agency records about a cosigner to judge whether they can cover a bond."""

    language = language_field()
    reminders_opt_out = BooleanField("No court reminders for this person")

    first_name = StringField(
        "First name", validators=[InputRequired("Enter the first name."), Length(max=80)]
    )
    last_name = StringField(
        "Last name", validators=[InputRequired("Enter the last name."), Length(max=80)]
    )
    phone = PhoneField("Phone", render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = optional_email()
    housing = SelectField(
        "Home",
        choices=[SelectChoice(h, HOUSING_LABELS[h]) for h in ("", *HOUSING)],
        default="",
    )
    employer = text("Employer")
    employer_phone = PhoneField("Employer phone", render_kw={"inputmode": "tel"})
    # Zero is a real answer (no income); blank means not recorded.
    monthly_income = MoneyField(
        "Monthly income",
        validators=[Optional()],
        allow_zero=True,
        render_kw={"inputmode": "decimal"},
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
