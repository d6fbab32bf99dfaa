"""Copying validated form data onto records, and the text preferences every person has."""

from __future__ import annotations


def copy_fields(target, data: dict, fields: tuple[str, ...], nullable: tuple[str, ...] = ()):
    """Set each field from form data: blanks become "" except in columns that may be NULL."""
    for name in fields:
        value = data.get(name)
        setattr(target, name, value if value is not None or name in nullable else "")
    return target


def text_preferences(person) -> None:
    """A person's text language (en/es) and reminder opt-out, whatever the form or file sent."""
    person.language = person.language if person.language in ("en", "es") else "en"
    person.reminders_opt_out = bool(person.reminders_opt_out)
