"""The defendant form."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from bbp.kernel.dates import BIRTH_DATE
from bbp.web.forms import (
    AddressFields,
    PhoneField,
    RangedDateField,
    StateField,
    language_field,
    optional_email,
    text,
)


def _ssn(form, field):
    if field.data and not re.fullmatch(r"\d{9}", re.sub(r"[\s-]", "", field.data)):
        raise ValidationError("Enter the 9 digits of the SSN, e.g. 123-45-6789.")


class DefendantForm(AddressFields, FlaskForm):
    """Everything the agency records about a defendant."""

    language = language_field()
    reminders_opt_out = BooleanField("No court reminders for this person")

    first_name = StringField(
        "First name", validators=[InputRequired("Enter the first name."), Length(max=80)]
    )
    middle_name = text("Middle name", 80)
    last_name = StringField(
        "Last name", validators=[InputRequired("Enter the last name."), Length(max=80)]
    )
    aliases = TextAreaField("Aliases", validators=[Optional(), Length(max=1000)])
    date_of_birth = RangedDateField("Date of birth", within=BIRTH_DATE, validators=[Optional()])
    ssn = StringField(
        "SSN",
        validators=[Optional(), _ssn],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    dl_number = text("Driver license number", 40, render_kw={"autocomplete": "off"})
    dl_state = StateField("License state", validators=[Optional()])
    phone = PhoneField("Mobile phone", render_kw={"inputmode": "tel", "autocomplete": "off"})
    phone_alt = PhoneField("Other phone", render_kw={"inputmode": "tel"})
    email = optional_email()
    employer = text("Employer")
    employer_phone = PhoneField("Employer phone", render_kw={"inputmode": "tel"})
    height = text("Height", 16)
    weight = text("Weight", 16)
    hair = text("Hair", 32)
    eyes = text("Eyes", 32)
    marks = TextAreaField("Scars, marks, tattoos", validators=[Optional(), Length(max=2000)])
    booking_number = text("Booking number", 40)
    jail = text("Jail")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


class PhotoForm(FlaskForm):
    """A defendant photo upload."""

    photo = FileField("Photo")
