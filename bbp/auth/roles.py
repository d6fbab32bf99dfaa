"""Role checks for staff views."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from bbp.auth.models import ROLES
from bbp.extensions import login_manager


def role_required(minimum: str):
    """Allow signed-in staff whose role is at least `minimum`; others get 403."""
    assert minimum in ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.is_platform_admin:
                return login_manager.unauthorized()
            if not current_user.has_role(minimum):
                abort(403, description=f"This page needs the {minimum} role or higher.")
            return view(*args, **kwargs)

        wrapped.required_role = minimum
        wrapped.staff_page = True  # web.i18n keeps staff pages in English
        return wrapped

    return decorator


def staff_required(view):
    """Any signed-in staff member (viewer and up)."""
    return role_required("viewer")(view)
