"""Forms for paying online (translated: payers read them) and for staff's pay links."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from bbp.merchant.checkout import MIN_CENTS
from bbp.merchant.money import dollars
from bbp.web.forms import MoneyField

MAX_DOLLARS = Decimal("10000000")


class PayForm(FlaskForm):
    """The next amount due, or another amount up to the balance."""

    choice = RadioField(
        choices=[SelectChoice("due", "due"), SelectChoice("other", "other")], default="due"
    )
    amount = StringField(
        _l("Other amount"), render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    # Opt-in: keep the card and charge it for the installments (autopay), agreeing to the
    # authorization shown (its SHA-256 comes back, as on the autopay page).
    save_card = BooleanField(_l("Save this card and pay my installments automatically"))
    shown = HiddenField()

    def cents(self, due: int, balance: int) -> int | None:
        """The amount chosen in cents, or None with the reason beside the amount field. An amount
        typed in the box is what the payer meant, even if the radio still says the amount due."""
        if self.choice.data != "other" and not (self.amount.data or "").strip():
            return due
        message = amount_error(self.amount.data or "", balance)
        if isinstance(message, str):
            self.amount.errors = [message]
            return None
        return message


def amount_error(raw: str, balance: int) -> str | int:
    """The cents of a typed amount ("$1,234.56"), or what is wrong with it (translated)."""
    text = raw.strip().replace("$", "").replace(",", "").strip()
    if not text:
        return gettext("Enter the amount you want to pay.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return gettext("Enter an amount such as 25 or 25.50.")
    if not amount.is_finite():
        return gettext("Enter an amount such as 25 or 25.50.")
    if amount <= 0:
        return gettext("The amount must be more than $0.00.")
    if amount >= MAX_DOLLARS:
        return gettext(
            "The most you can pay is the balance, %(balance)s.", balance=dollars(balance)
        )
    if amount != amount.quantize(Decimal("0.01")):
        return gettext("Amounts cannot include fractions of a cent.")
    cents = int(amount * 100)
    if cents < MIN_CENTS and cents < balance:
        return gettext(
            "The smallest amount you can pay online is %(least)s.", least=dollars(MIN_CENTS)
        )
    if cents > balance:
        return gettext(
            "The most you can pay is the balance, %(balance)s.", balance=dollars(balance)
        )
    return cents


class PayLinkForm(FlaskForm):
    """A pay link to text: to whom, how much (blank: the amount due), for how many days."""

    # Radios, not a select: a long name wraps in its label instead of being cut off.
    recipient = RadioField("Send to", validators=[InputRequired("Choose who gets the link.")])
    amount = MoneyField("Amount", validators=[Optional()])
    days = IntegerField(
        "Link works for (days)",
        default=7,
        validators=[
            InputRequired("Enter how many days the link works."),
            NumberRange(1, 30, "A link lasts 1 to 30 days."),
        ],
    )


class EmptyForm(FlaskForm):
    """A button's POST: its CSRF token only."""
