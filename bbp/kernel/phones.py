"""US phone numbers: stored as ten digits, shown as (555) 123-4567."""

from __future__ import annotations

import re

PHONE_DIGITS = re.compile(r"\D")


def digits(value: str | None) -> str:
    """Only the digits of a phone number, dropping a leading US country code."""
    found = PHONE_DIGITS.sub("", value or "")
    return found[1:] if len(found) == 11 and found.startswith("1") else found


def format_phone(value: str | None) -> str:
    """(555) 123-4567 for 10 digits or a +1 number (texts keep E.164), as it is otherwise."""
    value = value or ""
    if re.fullmatch(r"\+1\d{10}", value):
        value = from_e164(value)
    if len(value) == 10:
        return f"({value[:3]}) {value[3:6]}-{value[6:]}"
    return value


def e164(value: str | None) -> str | None:
    """+1 and ten digits for a US number typed any way; None when it is not one."""
    ten = digits(value)
    return f"+1{ten}" if len(ten) == 10 else None


def from_e164(contact: str) -> str:
    """The ten stored digits of a +1 number."""
    return contact.removeprefix("+1")
