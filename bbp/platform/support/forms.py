"""Forms of support access: the admin's request, and the owner's policy."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from bbp.platform.support.services import LONGEST_MINUTES, SHORTEST

MINUTES = f"Ask for {SHORTEST} to {LONGEST_MINUTES} minutes."


class AskForm(FlaskForm):
    """Why, and for how long (an hour at most)."""

    reason = TextAreaField(
        "Reason (the owner reads this)",
        validators=[
            InputRequired("Say why you need access."),
            Length(min=10, max=1000, message="Use 10 to 1,000 characters."),
        ],
    )
    minutes = IntegerField(
        "Minutes",
        default=30,
        validators=[
            InputRequired(f"Ask for {SHORTEST} to {LONGEST_MINUTES} minutes."),
            NumberRange(
                SHORTEST, LONGEST_MINUTES, f"Ask for {SHORTEST} to {LONGEST_MINUTES} minutes."
            ),
        ],
    )


class AskAnyForm(AskForm):
    """A request from the support page, naming the agency by its subdomain."""

    agency = StringField(
        "Agency subdomain",
        validators=[InputRequired("Enter the agency's subdomain."), Length(max=63)],
    )


class PolicyForm(FlaskForm):
    """The owner's one support setting."""

    without_approval = BooleanField(
        "Allow support access without my approval", validators=[Optional()]
    )
