"""The reminder policy form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

OFFSETS = [
    SelectChoice("7d", "7 days before"),
    SelectChoice("3d", "3 days before"),
    SelectChoice("2d", "2 days before"),
    SelectChoice("1d", "1 day before"),
    SelectChoice("morning", "The morning of court"),
]
HOURS = [SelectChoice(h, f"{(h % 12) or 12}:00 {'AM' if h < 12 else 'PM'}") for h in range(24)]


class PolicyForm(FlaskForm):
    """When reminders go out, and when never."""

    enabled = BooleanField("Send court reminders (recommended)")
    offsets = SelectMultipleField(
        "Send them",
        choices=OFFSETS,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    quiet_start = SelectField("Quiet from", choices=HOURS, coerce=int, default=21)
    quiet_end = SelectField("until", choices=HOURS, coerce=int, default=8)
    fta_text_cosigners = BooleanField("After a failure to appear, text the cosigners too")


class SenderForm(FlaskForm):
    """The agency's own Twilio number or service, and optionally its own account."""

    sms_sender = StringField(
        "Sending number or messaging service",
        validators=[
            Optional(),
            Regexp(
                r"^(\+1\d{10}|MG[0-9a-f]{32})$",
                message="Use +1 and 10 digits, or a messaging service SID (MG…).",
            ),
        ],
    )
    twilio_account_sid = StringField(
        "Own Twilio account SID (optional)",
        validators=[
            Optional(),
            Regexp(r"^AC[0-9a-f]{32}$", message="An account SID starts with AC."),
        ],
    )
    twilio_auth_token = PasswordField("Auth token", validators=[Optional(), Length(max=64)])
    sms_sender_rate = FloatField(
        "Texts it carries per second (optional)",
        validators=[
            Optional(),
            NumberRange(min=0.1, max=1000, message="Enter a rate between 0.1 and 1,000."),
        ],
    )


class WordingForm(FlaskForm):
    """The agency's own reminder texts (blank: the standard wording)."""

    template_en = TextAreaField("English", validators=[Optional(), Length(max=600)])
    template_es = TextAreaField("Español", validators=[Optional(), Length(max=600)])
