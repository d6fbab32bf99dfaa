"""Forms: a document template's wording, and a request for a document."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bbp.documents.requested import DOC_TYPE_LABELS, MAX_NOTE
from bbp.documents.services import MAX_BODY, MAX_TITLE


class TemplateForm(FlaskForm):
    """The title and text of one document, with {{ variables }}."""

    title = StringField(
        "Title", validators=[InputRequired("Enter a title."), Length(max=MAX_TITLE)]
    )
    body = TextAreaField(
        "Text",
        validators=[InputRequired("Enter the text of the document."), Length(max=MAX_BODY)],
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (restore, cancel)."""


class RequestForm(FlaskForm):
    """Ask a defendant or cosigner for a document."""

    doc_type = SelectField(
        "Document",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(value, label) for value, label in DOC_TYPE_LABELS.items()],
        validators=[InputRequired("Choose which document you need.")],
        invalid_choice_message="Choose which document you need.",
    )
    note = TextAreaField("Note to them (optional)", validators=[Optional(), Length(max=MAX_NOTE)])
    bond_id = SelectField(
        "For bond", choices=[], default="", invalid_choice_message="Choose one of their bonds."
    )

    def set_bonds(self, bonds) -> None:
        """Offer the person's bonds (or none)."""
        self.bond_id.choices = [SelectChoice("", "Not for a particular bond")] + [
            SelectChoice(str(b.id), f"{b.number} ({b.status_label})") for b in bonds
        ]
