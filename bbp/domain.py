"""Domain errors: services raise them, views show them next to the field they concern."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the change; the message is written for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def attach_to(self, form) -> None:
        """Show this error next to its field, or at the top of the form."""
        target = getattr(form, self.field, None) if self.field else None
        if target is not None:
            target.errors = [*target.errors, self.message]
        else:
            form.form_errors.append(self.message)


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
