"""Portal forms; labels and messages are translated (English and Spanish)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, StringField, TelField
from wtforms.validators import DataRequired, Length

from bbp.web.forms import AddressFields, PhoneField, optional_email


class ContactForm(FlaskForm):
    """A mobile number to be sent a code: most people sign in with their phone."""

    contact = TelField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class EmailContactForm(FlaskForm):
    """An email address to be sent a code, for people who use the portal by email."""

    contact = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address."))],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def contact_form(by: str | None) -> ContactForm | EmailContactForm:
    """The sign-in form for ?by=email, or the phone form for anything else."""
    return EmailContactForm() if by == "email" else ContactForm()


class CodeForm(FlaskForm):
    """The six-digit code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the 6-digit code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )


class ProfileForm(AddressFields, FlaskForm):
    """A person's own phone, email and address."""

    phone = PhoneField(_l("Mobile number"), render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = optional_email()


class LanguageForm(FlaskForm):
    """English or Spanish."""

    language = HiddenField()
    next = HiddenField()


class UploadForm(FlaskForm):
    """One file for a requested document."""

    file = FileField(_l("File"))
