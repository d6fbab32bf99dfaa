"""Forms: sending a document for signature, the signer's steps, the public PDF check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from bbp.documents.standard import KIND_LABELS


class SendForm(FlaskForm):
    """Which document, to whom, and how."""

    kind = SelectField(
        "Document", choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()]
    )
    # Radios, not a select: a long name wraps in its label instead of being cut off. The service
    # refuses anyone not on the bond, beside the field.
    signer = RadioField(
        "Signer",
        choices=[],
        validate_choice=False,
        validators=[InputRequired("Choose the defendant or one of this bond's cosigners.")],
    )
    channel = SelectField(
        "Send by",
        choices=[
            SelectChoice("sms", "Text message"),
            SelectChoice("email", "Email"),
            SelectChoice("both", "Text and email"),
        ],
    )

    def offer(self, bond) -> SendForm:
        """List the bond's defendant and cosigners as possible signers."""
        self.signer.choices = [
            SelectChoice(
                f"defendant:{bond.defendant_id}", f"{bond.defendant.full_name} (defendant)"
            )
        ] + [
            SelectChoice(f"cosigner:{c.indemnitor_id}", f"{c.indemnitor.full_name} (cosigner)")
            for c in bond.cosigners
        ]
        if self.signer.data is None:  # as a select would: the first, the defendant
            self.signer.data = self.signer.choices[0].value
        return self


class CodeForm(FlaskForm):
    """The signer's one-time code."""

    code = StringField(
        _l("Code"),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )


class ConsentForm(FlaskForm):
    """Agreement to sign electronically."""

    agree = BooleanField(_l("I agree to use electronic records and signatures."))


class SignForm(FlaskForm):
    """A typed or drawn signature, and the explicit agreement to sign."""

    how = HiddenField(default="typed")
    typed = StringField(_l("Type your full name"), render_kw={"autocomplete": "name"})
    drawn = HiddenField()
    agree = BooleanField(_l("I have read this document and I sign it electronically."))


class DeclineForm(FlaskForm):
    """Why the signer will not sign."""

    reason = TextAreaField(_l("Why are you declining?"), render_kw={"rows": 3, "maxlength": 1000})


class VerifyForm(FlaskForm):
    """A PDF to check."""

    file = FileField(_l("Signed PDF"))


class PolicyForm(FlaskForm):
    """How long links stay open, reminders, and whether writing needs a signed indemnity."""

    signature_expiry_days = IntegerField("Links expire after (days)", validators=[Optional()])
    signature_reminder_hours = IntegerField("Remind every (hours)", validators=[Optional()])
    signature_reminders_max = IntegerField("Reminders at most", validators=[Optional()])
    require_signed_indemnity = BooleanField(
        "A cosigner must sign the indemnity agreement before a bond can be written"
    )
