"""Payment forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bbp.payments.models import KINDS, METHODS
from bbp.payments.services import LABELS
from bbp.web.forms import MoneyField, text


class PaymentForm(FlaskForm):
    """One payment taken in the office."""

    amount = MoneyField("Amount", validators=[InputRequired("Enter the amount.")])
    # Cash collateral goes through the collateral desk (receipt and return clock), not here.
    kind = SelectField(
        "For",
        choices=[SelectChoice(k, LABELS[k]) for k in KINDS if k != "collateral_cash"],
        default="premium",
    )
    method = SelectField(
        "Paid by", choices=[SelectChoice(m, LABELS[m]) for m in METHODS], default="cash"
    )
    reference = text("Check or reference number", 60)
    payer_name = StringField(
        "Received from", validators=[InputRequired("Enter who paid."), Length(max=120)]
    )


class VoidForm(FlaskForm):
    """Why a payment is void."""

    reason = TextAreaField("Reason", validators=[Optional(), Length(max=500)])
