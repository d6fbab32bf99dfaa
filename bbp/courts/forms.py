"""Court date forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from bbp.courts.models import KINDS
from bbp.forms import text

FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class CourtDateForm(FlaskForm):
    """When and where the defendant must appear."""

    starts_at = DateTimeLocalField(
        "Date and time", format=FORMATS, validators=[InputRequired("Enter the date and time.")]
    )
    kind = SelectField(
        "Type", choices=[SelectChoice(k, k.capitalize()) for k in KINDS], default="hearing"
    )
    court_name = text("Court")
    courtroom = text("Courtroom", 40)
    address = text("Address", 200)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])


class OutcomeForm(FlaskForm):
    """What happened at court."""

    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice("appeared", "Appeared"),
            SelectChoice("continued", "Continued to a new date"),
            SelectChoice("failed_to_appear", "Failed to appear"),
        ],
    )
    continued_to = DateTimeLocalField("New date and time", format=FORMATS, validators=[Optional()])
    notice_mailed_on = DateField("Forfeiture notice mailed on", validators=[Optional()])
    confirm = BooleanField("Yes, the defendant failed to appear: forfeit the bond")


class NoticeForm(FlaskForm):
    """The date the court mailed the forfeiture notice."""

    notice_mailed_on = DateField("Notice mailed on", validators=[InputRequired("Enter the date.")])
