"""Court date forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bbp.courts.models import KINDS
from bbp.kernel.dates import COURT_DATE, NOTICE_DATE
from bbp.web.forms import RangedDateField, RangedDateTimeField, text


class CourtDateForm(FlaskForm):
    """When and where the defendant must appear."""

    starts_at = RangedDateTimeField(
        "Date and time", within=COURT_DATE, validators=[InputRequired("Enter the date and time.")]
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
    continued_to = RangedDateTimeField(
        "New date and time", within=COURT_DATE, validators=[Optional()]
    )
    notice_mailed_on = RangedDateField(
        "Forfeiture notice mailed on", within=NOTICE_DATE, validators=[Optional()]
    )
    confirm = BooleanField("Yes, the defendant failed to appear: forfeit the bond")


class NoticeForm(FlaskForm):
    """The date the court mailed the forfeiture notice."""

    notice_mailed_on = RangedDateField(
        "Notice mailed on", within=NOTICE_DATE, validators=[InputRequired("Enter the date.")]
    )
