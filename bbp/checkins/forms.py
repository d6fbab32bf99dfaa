"""Check-in forms: the staff schedule form and the defendant's check-in form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional

from bbp.checkins.models import WEEKDAYS


class ScheduleForm(FlaskForm):
    """A weekday (or every N days) and a time of day, in the agency's zone."""

    weekday = SelectField(
        "Day",
        choices=[
            SelectChoice("", "No fixed day: every few days"),
            *(SelectChoice(str(n), f"Every {name}") for n, name in enumerate(WEEKDAYS)),
        ],
        default="",
        invalid_choice_message="Choose a day of the week.",
    )
    every_days = IntegerField(
        "Every how many days",
        validators=[Optional(), NumberRange(1, 90, "Enter a number of days from 1 to 90.")],
        render_kw={"inputmode": "numeric"},
    )
    time_of_day = TimeField(
        "Time of day",
        validators=[InputRequired("Enter the time of day.")],
        invalid_value_message="Enter a time such as 09:30.",
    )
    active = BooleanField("Send check-in texts", default=True)

    def weekday_number(self) -> int | None:
        """The chosen weekday, 0 (Monday) to 6, or None for "every N days"."""
        return int(self.weekday.data) if self.weekday.data else None


class CheckInForm(FlaskForm):
    """The defendant's check-in; checkin.js fills the location fields when GPS is used."""

    method = HiddenField(default="plain")
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
