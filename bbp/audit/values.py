"""Recorded audit values as people read them: money, dates in the agency's zone, names, labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bbp.auth.models import ROLE_LABELS
from bbp.bonds.models import STATUS_LABELS
from bbp.kernel.clock import local
from bbp.kernel.phones import format_phone
from bbp.kernel.placeholders import short
from bbp.kernel.sizes import format_size
from bbp.web.templating import format_card, format_money

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OFFSETS = {"morning": "the morning of court"}
LANGUAGES = {"en": "English", "es": "Spanish"}


def humanize(code: str) -> str:
    """A code as words: "judgment_paid" -> "Judgment paid", "check_in.done" -> "Check in done"."""
    words = str(code).replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _money(value) -> str:
    return format_money(Decimal(str(value)))


def _rate(value) -> str:
    return f"{Decimal(str(value)) * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _date(value) -> str:
    return f"{date.fromisoformat(str(value)[:10]):%b %-d, %Y}"


def _moment(value, zone: ZoneInfo) -> str:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        return f"{moment:%b %-d, %Y %-I:%M %p}"
    return f"{local(moment, zone):%b %-d, %Y %-I:%M %p}"


def _time(value) -> str:
    return f"{time.fromisoformat(str(value)):%-I:%M %p}"


def _offset(value) -> str:
    text = str(value)
    if text in OFFSETS:
        return OFFSETS[text]
    days = text.removesuffix("d")
    return f"{days} day{'' if days == '1' else 's'} before" if days.isdigit() else text


def _hours(value) -> str:
    start, end = value
    return f"{_time(f'{int(start):02d}:00')} to {_time(f'{int(end):02d}:00')}"


def _fees(value) -> str:
    """A bond's fees (an amount) or the agency's fee list (names and amounts)."""
    if not isinstance(value, list):
        return _money(value)
    return "; ".join(f"{fee.get('name', '')} {_money(fee.get('amount', 0))}" for fee in value)


def _days_by_rule(value) -> str:
    return "; ".join(f"{humanize(rule)}: {days} days" for rule, days in value.items())


def _card(value) -> str:
    """ "visa 4242" -> "Visa ending in 4242"; a bare "4242" -> "ending in 4242"."""
    brand, _, last4 = str(value).strip().rpartition(" ")
    if not last4.isdigit():
        return short(str(value), 80)
    return format_card(brand, last4)


FORMATS: dict[str, Callable] = {
    "text": lambda v: short(str(v), 80),
    "money": _money,
    "rate": _rate,
    "date": _date,
    "time": _time,
    "bool": lambda v: "Yes" if v else "No",
    "code": humanize,
    "status": lambda v: STATUS_LABELS.get(v, humanize(v)),
    "role": lambda v: ROLE_LABELS.get(v, humanize(v)),
    "count": lambda v: f"{int(v):,}",
    "weekday": lambda v: WEEKDAYS[int(v)],
    "phone": lambda v: format_phone(str(v).removeprefix("+1")),
    "offsets": lambda v: ", ".join(_offset(o) for o in v),
    "hours": _hours,
    "fees": _fees,
    "days_by_rule": _days_by_rule,
    "size": format_size,
    "card": _card,
    "language": lambda v: LANGUAGES.get(v, humanize(v)),
}


def formatted(kind: str, value, zone: ZoneInfo) -> str:
    """The value in words; the raw text when it does not have the recorded kind's shape."""
    if value is None or value == "":
        return "none"
    try:
        if kind == "datetime":
            return _moment(value, zone)
        return FORMATS[kind](value)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, InvalidOperation):
        return short(str(value), 80)
