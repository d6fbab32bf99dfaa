"""Autopay's forms: the payer's agreement (translated: payers read it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired


class AuthorizeForm(FlaskForm):
    """I agree, with the fingerprint of the text the page showed."""

    agree = BooleanField(
        _l("I agree to this autopay authorization"),
        validators=[DataRequired(_l("Tick the box to agree, or go back to the bond."))],
    )
    shown = HiddenField()
