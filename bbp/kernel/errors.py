"""Domain errors: one family of refusals whose message is written for the user.

Services raise them; a view either lets them reach the error handlers (bbp/web/errors.py),
which show the message as a page or an htmx notice with the kind's status, or re-renders its
form with the message beside the field (`bbp.web.forms.refused`).
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the change; the message is written for the user."""

    status = 422  # a refused change: the request was understood but cannot be done

    def __init__(self, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def attach_to(self, form, field: str | None = None) -> None:
        """Show this error next to its field (or `field` when it names none), else at the top."""
        name = self.field or field
        target = getattr(form, name, None) if name else None
        if target is not None:
            target.errors = [*target.errors, self.message]
        else:
            form.form_errors.append(self.message)


class AccessRefused(DomainError):
    """Portal sign-in or a portal code refused; the message never says whether a contact is on
    file. The status says why: 422 a wrong code, 429 too many tries, 410 a used link."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message, status=status)


class LoginRefused(DomainError):
    """Staff or platform sign-in refused; the message is safe to show."""
