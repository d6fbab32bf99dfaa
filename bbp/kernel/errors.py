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
