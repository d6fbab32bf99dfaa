"""The refund form on a payment taken online."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from bbp.web.forms import MoneyField


class RefundForm(FlaskForm):
    """How much goes back to the payer's card, and why."""

    amount = MoneyField(
        "Amount to refund", validators=[InputRequired("Enter the amount to refund.")]
    )
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Say why the money goes back."), Length(max=500)],
    )
