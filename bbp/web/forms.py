"""Form pieces shared by features: phones, states, money, dates, contact and address blocks."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Email, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from bbp.kernel.clock import agency_today
from bbp.kernel.dates import DateRange
from bbp.kernel.phones import digits, format_phone


class PhoneField(StringField):
    """A US phone number, stored as its ten digits."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = digits(self.data)

    def _value(self):
        if self.errors and self.raw_data:  # show what was typed, not our normalisation of it
            return self.raw_data[0]
        return format_phone(self.data)

    def pre_validate(self, form):
        if self.data and len(self.data) != 10:
            raise ValidationError(_l("Enter a 10-digit phone number, e.g. (555) 123-4567."))


class StateField(StringField):
    """A two-letter US state code."""

    def _value(self):
        if self.errors and self.raw_data:
            return self.raw_data[0]
        return self.data or ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip().upper()

    def pre_validate(self, form):
        if self.data and not re.fullmatch(r"[A-Z]{2}", self.data):
            raise ValidationError(_l("Use the two-letter state code, e.g. FL."))


class MoneyField(DecimalField):
    """Dollars and cents: accepts $1,234.50, refuses fractions of a cent and negatives."""

    # A text box with the decimal keypad: number inputs refuse "$1,500" and drop bad input silently.
    widget = TextInput()

    def __init__(self, label=None, validators=None, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, places=2, **kwargs)
        self.allow_zero = allow_zero

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip().replace("$", "").replace(",", "")
        try:
            self.data = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter an amount such as 1500 or 1,500.00.") from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError("Enter an amount such as 1500 or 1,500.00.")

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.data < 0 and self.allow_zero:
            raise ValidationError("The amount cannot be negative.")
        if self.data < 0 or (self.data == 0 and not self.allow_zero):
            raise ValidationError("The amount must be more than $0.00.")
        if self.data >= Decimal("10000000000"):  # checked first: quantize overflows on 1E30
            raise ValidationError("That amount is too large.")
        if self.data != self.data.quantize(Decimal("0.01")):
            raise ValidationError("Amounts cannot include fractions of a cent.")


class _InRange:
    """A date (or the local date of a date and time) inside a named range around today."""

    time_bounds = ("", "")

    def __init__(self, label=None, validators=None, *, within: DateRange, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.within = within

    def __call__(self, **kwargs):
        # The browser's picker offers only the allowed days; the server checks again.
        first, last = self.within.bounds(agency_today())
        kwargs.setdefault("min", f"{first.isoformat()}{self.time_bounds[0]}")
        kwargs.setdefault("max", f"{last.isoformat()}{self.time_bounds[1]}")
        return super().__call__(**kwargs)

    def pre_validate(self, form):
        if self.data is None:
            return
        day = self.data.date() if isinstance(self.data, datetime) else self.data
        refusal = self.within.refusal(day, agency_today())
        if refusal:
            raise ValidationError(refusal)


class RangedDateField(_InRange, DateField):
    """A date that must fall inside `within` (bbp/dates.py); every date a form takes is one."""


class RangedDateTimeField(_InRange, DateTimeLocalField):
    """A local date and time whose date must fall inside `within`."""

    time_bounds = ("T00:00", "T23:59")

    def __init__(self, label=None, validators=None, *, within: DateRange, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(label, validators, within=within, **kwargs)


def add_blank_rows(rows: FieldList, count: int = 3) -> bool:
    """Up to `count` more blank rows, never past the list's maximum; False when it was full."""
    room = count if rows.max_entries is None else rows.max_entries - len(rows)
    for _ in range(min(count, room)):
        rows.append_entry()
    return room > 0


def language_field() -> SelectField:
    """The language a person gets texts in."""
    return SelectField(
        "Texts in",
        choices=[SelectChoice("en", "English"), SelectChoice("es", "Español")],
        default="en",
    )


def optional_email(label: str = _l("Email")) -> EmailField:
    """An email that may be left blank."""
    message = _l("Enter an email address such as name@example.com.")
    return EmailField(label, validators=[Optional(), Email(message), Length(max=254)])


def text(label: str, max_length: int = 120, **kwargs) -> StringField:
    """An optional single-line text field with a length limit."""
    return StringField(label, validators=[Optional(), Length(max=max_length)], **kwargs)


class AddressFields:
    """Street, city, state and ZIP (mixed into a FlaskForm)."""

    address_line1 = text(_l("Street address"))
    address_line2 = text(_l("Apartment, suite"))
    city = text(_l("City"), 80)
    state = StateField(_l("State"), validators=[Optional()])
    postal_code = StringField(
        _l("ZIP"), validators=[Optional(), Length(max=10)], render_kw={"inputmode": "numeric"}
    )
