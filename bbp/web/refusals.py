"""Show a service's refusal where the user acted: beside a form field, or as a flash message.

    form = PaymentForm()
    if form.validate_on_submit():
        with refused(form) as refusal:
            payment = services.record_payment(bond, ...)
            flash("Payment recorded.", "success")
            return redirect(...)
    return render("payments/form.html", form=form, bond=bond, status=refusal.status)

A DomainError raised inside the block is caught, the transaction rolled back (the service's
`atomic` unit usually did already) and the message attached to the form (`field` names the
field when the error names none), or flashed when there is no form. The view then carries on
after the block: re-render the form, or redirect. Refusals a view does not catch reach the
error handlers in bbp/web/errors.py instead.
"""

from __future__ import annotations

from flask import flash

from bbp.extensions import db
from bbp.kernel.errors import DomainError


class Refusal:
    """What `refused` caught: the error (None when nothing was refused) and its status."""

    def __init__(self, form=None, field=None, status=None, flashed=True):
        self.form, self.field, self._status, self.flashed = form, field, status, flashed
        self.error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str | None:
        return self.error.message if self.error else None

    @property
    def status(self) -> int:
        """The status to re-render with: the view's choice, else the error's kind (422)."""
        if self._status is not None:
            return self._status
        return self.error.status if self.error else DomainError.status

    def __enter__(self) -> Refusal:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, DomainError):
            return False
        db.session.rollback()  # nothing of the refused change is kept, no lock is held
        self.error = exc
        if self.form is not None:
            exc.attach_to(self.form, self.field)
        elif self.flashed:
            flash(exc.message, "error")
        return True


def refused(
    form=None, field: str | None = None, *, status: int | None = None, flashed: bool = True
) -> Refusal:
    """Catch a DomainError raised in the block: beside `form`'s field, else flashed (unless
    flashed=False, when the view shows `refusal.message` itself, e.g. in an htmx row)."""
    return Refusal(form, field, status, flashed)
