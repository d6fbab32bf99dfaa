"""Console forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class RestoreForm(FlaskForm):
    """The subdomain of the new agency an archive is restored into."""

    slug = StringField(
        "New subdomain",
        validators=[InputRequired("Enter the new agency's subdomain."), Length(max=40)],
    )
