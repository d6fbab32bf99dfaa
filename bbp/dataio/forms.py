"""The import upload and its confirmation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ImportForm(FlaskForm):
    """A CSV file of bonds to check before importing."""

    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file to import.")],
        render_kw={"accept": ".csv,text/csv"},
    )


class RunForm(FlaskForm):
    """Confirms an import; it carries only the CSRF token."""
