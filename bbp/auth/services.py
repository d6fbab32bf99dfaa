"""Staff sign-in and password rules, with their audit entries."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.audit.services import record
from bbp.auth.models import User
from bbp.auth.tokens import set_password_url, spend
from bbp.auth.twostep import staff_needs_second_step
from bbp.extensions import db
from bbp.kernel import mail
from bbp.kernel.accounts import burn_password_check, count_unknown
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import LoginRefused
from bbp.kernel.transactions import atomic
from bbp.tenancy import require_tenant


def find_by_email(email: str, for_update: bool = False) -> User | None:
    """The staff member with this email (case-insensitive), row-locked when asked."""
    query = select(User).where(User.email == email.strip().lower())
    return db.session.scalar(query.with_for_update() if for_update else query)


def sign_in(email: str, password: str) -> User:
    """Check staff credentials under the lockout policy; every outcome is audited. Whether a
    second step follows is `twostep.staff_needs_second_step`'s answer."""
    account = find_by_email(email, for_update=True)
    second = account is not None and staff_needs_second_step(account)
    return sign_in_account(
        account, email, password, AuditEntry, require_tenant().slug, second_step=second
    )


def sign_out(user: User) -> None:
    """Audit a sign-out."""
    record("auth.sign_out", user, actor=user)
    db.session.commit()


@atomic
def set_password_from_link(token: str, password: str) -> User:
    """Spend a set-password link and set the password in one unit, which ends the user's other
    sessions. The user's row is locked only inside this unit: of two uses of one link at once,
    the second finds the link spent by the first one's new password."""
    user = spend(token)
    first_time = user.password_hash is None
    user.set_password(password)
    record("auth.password_set" if first_time else "auth.password_reset", user, actor=user)
    return user


def send_reset_link(email: str) -> None:
    """Email a reset link if an active account exists; say nothing either way."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    tenant = require_tenant()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    mail.send(
        user.email,
        f"Reset your {tenant.name} password",
        f"Someone asked to reset the password of {user.email} at {tenant.name}.\n\n"
        f"Choose a new password here (valid {hours} hours, single use):\n"
        f"{set_password_url(tenant, user.id)}\n\nIf it was not you, ignore this email.",
    )
    record("auth.reset_requested", user, actor="anonymous")
    db.session.commit()


def sign_in_account(
    account, email: str, password: str, audit_model: type, scope: str, *, second_step=False
):
    """Check a sign-in under the lockout policy, audit it, commit; returns the account.

    With `second_step` the right password is audited as such: the sign-in is the code's.

    The caller loads `account` FOR UPDATE, so concurrent attempts are counted one by one.
    Unknown emails are counted in Redis and locked the same way, so a lock reveals nothing.
    """
    email = email.strip().lower()
    if account is None:
        burn_password_check(password)
        record(
            "auth.sign_in_failed",
            after={"email": email, "reason": "unknown"},
            actor="anonymous",
            model=audit_model,
        )
        db.session.commit()
        raise LoginRefused(count_unknown(scope, email))
    try:
        account.check_sign_in(password, utcnow())
    except LoginRefused:
        action = "auth.locked" if account.locked_until else "auth.sign_in_failed"
        record(
            action,
            account,
            after={"email": email, "failed_logins": account.failed_logins},
            actor="anonymous",
            model=audit_model,
        )
        db.session.commit()
        raise
    action = "auth.password_accepted" if second_step else "auth.sign_in"
    record(action, account, actor=account, model=audit_model)
    db.session.commit()
    return account
