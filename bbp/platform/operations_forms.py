"""Forms of the console's operations pages: the audit log's filters and a retry by agency."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from bbp.kernel.dates import PAST_RECORD
from bbp.web.forms import RangedDateField


class AuditFilterForm(FlaskForm):
    """Who, what, which agency and when: read from the query string, so no form token."""

    class Meta:
        csrf = False

    actor = StringField("Admin or actor", validators=[Optional(), Length(max=254)])
    action = SelectField(
        "Action", choices=[SelectChoice("", "Every action")], validate_choice=False
    )
    agency = StringField("Agency subdomain", validators=[Optional(), Length(max=40)])
    since = RangedDateField("From", within=PAST_RECORD, validators=[Optional()])
    until = RangedDateField("To", within=PAST_RECORD, validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Enter a day on or after the From day.")


class RetryAgencyForm(FlaskForm):
    """Put every failed job of one agency back on its queue."""

    agency = StringField(
        "Agency subdomain", validators=[InputRequired("Choose an agency."), Length(max=40)]
    )
