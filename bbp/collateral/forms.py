"""Collateral forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from bbp.collateral.models import KIND_LABELS, KINDS
from bbp.web.forms import MoneyField, text


class CollateralForm(FlaskForm):
    """What was pledged, by whom, and what it is worth."""

    kind = SelectField(
        "Type",
        choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
        default="cash",
        invalid_choice_message="Choose the type of collateral.",
    )
    description = TextAreaField(
        "Description",
        validators=[InputRequired("Describe the collateral."), Length(max=2000)],
    )
    value = MoneyField("Value", [InputRequired("Enter the value.")], allow_zero=True)
    pledged_by = text("Pledged by")


class ReturnForm(FlaskForm):
    """Who took the collateral back."""

    returned_to = StringField(
        "Returned to",
        validators=[InputRequired("Enter who took the collateral back."), Length(max=120)],
    )
