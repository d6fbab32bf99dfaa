"""Platform admin roles and the console's role check.

superadmin runs every agency's lifecycle and the other admins; support answers agencies (and
asks them for support access); finance reads plans, invoices and usage and changes nothing.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from bbp.extensions import login_manager

ADMIN_ROLES = {
    "superadmin": "Superadmin",
    "support": "Support",
    "finance": "Finance (read-only)",
}
EVERY_ROLE = tuple(ADMIN_ROLES)


def admin_required(*roles: str):
    """Allow signed-in platform admins holding one of `roles` (any role when none are named)."""
    allowed = roles or EVERY_ROLE
    assert set(allowed) <= set(ADMIN_ROLES)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.is_platform_admin:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                names = " or ".join(ADMIN_ROLES[role] for role in allowed)
                abort(403, description=f"This page is for platform admins with the {names} role.")
            return view(*args, **kwargs)

        wrapped.admin_roles = allowed
        return wrapped

    return decorator
