"""Console forms: the reason each lifecycle change needs, the subdomain typed to confirm."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from bbp.platform.lifecycle import REASON_MAX


class ReasonForm(FlaskForm):
    """A lifecycle change and why (the service refuses a blank reason, for the CLI too)."""

    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)])


class DeletionForm(ReasonForm):
    """Scheduling a deletion: the reason and the agency's subdomain typed again."""

    confirm = StringField("Type the subdomain to confirm", validators=[Length(max=40)])


# One form per control on the agency page, each under its own prefix so ids never collide and a
# refused form keeps what was typed in it alone.
LIFECYCLE_FORMS = {
    "suspend": ReasonForm,
    "reactivate": ReasonForm,
    "delete": DeletionForm,
    "undelete": ReasonForm,
    "hold": ReasonForm,
    "release": ReasonForm,
}


def lifecycle_forms() -> dict[str, FlaskForm]:
    """The lifecycle controls' forms (filled from the request on a POST)."""
    return {name: form(prefix=name) for name, form in LIFECYCLE_FORMS.items()}
