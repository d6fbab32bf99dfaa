"""Platform admins, run by superadmins: invite, change roles, switch off and on, reset the second
step, and passwords from links. Every change is audited in the platform log.

Two guards keep the console reachable: nobody demotes or deactivates themselves, and the last
active superadmin stays one (the superadmin rows are locked first, so two superadmins demoting
each other at once cannot both succeed).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from bbp.audit.services import changes, record
from bbp.extensions import db
from bbp.kernel import mail, ratelimit, twostep
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.platform.roles import ADMIN_ROLES
from bbp.platform.tokens import admin_for_token, set_password_url

AUDITED = ("email", "name", "role")
TAKEN = "This email already belongs to a platform admin."

RESETS_PER_HOUR = 3  # reset emails to one address


def _audit(action: str, admin: PlatformAdmin, **values) -> None:
    record(action, admin, model=PlatformAuditEntry, **values)


def _lock(by: PlatformAdmin, admin: PlatformAdmin | None = None) -> None:
    """Lock and reload the actor, the target and every superadmin, in id order."""
    ids = [by.id] + ([admin.id] if admin is not None else [])
    db.session.scalars(
        select(PlatformAdmin)
        .where(or_(PlatformAdmin.id.in_(ids), PlatformAdmin.role == "superadmin"))
        .order_by(PlatformAdmin.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not (by.active and by.role == "superadmin"):  # demoted or switched off a moment ago
        raise DomainError("Only an active superadmin can manage platform admins.", status=403)


def _other_active_superadmins(admin: PlatformAdmin) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PlatformAdmin)
        .where(
            PlatformAdmin.role == "superadmin",
            PlatformAdmin.active,
            PlatformAdmin.id != admin.id,
        )
    )


def _keep_a_superadmin(admin: PlatformAdmin, by: PlatformAdmin, field: str | None = None) -> None:
    if admin.role == "superadmin" and admin.active and not _other_active_superadmins(admin):
        raise DomainError("This is the last active superadmin: make another one first.", field)
    if admin.id == by.id:
        raise DomainError(
            "You cannot demote or deactivate yourself; ask another superadmin.", field
        )


def invite(email: str, name: str, role: str, by: PlatformAdmin) -> PlatformAdmin:
    """Create a pending platform admin and email their set-password link."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(f"This email is not valid: {exc}", "email") from None
    if role not in ADMIN_ROLES:
        raise DomainError("Choose one of the roles listed.", "role")
    _lock(by)
    if db.session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.email == email)):
        raise DomainError(TAKEN, "email")
    admin = PlatformAdmin(email=email, name=name.strip(), role=role)
    db.session.add(admin)
    try:
        db.session.flush()
    except IntegrityError:  # the same email invited twice at the same moment
        db.session.rollback()
        raise DomainError(TAKEN, "email") from None
    _audit("admin.invited", admin, after=changes(admin, AUDITED))
    link = set_password_url(admin)
    db.session.commit()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    mail.send(
        email,
        "You are invited to the BailBondPro platform console",
        f"{by.name or by.email} invited you to the platform console as {admin.role_label}.\n\n"
        f"Choose your password here (valid {hours} hours, single use):\n{link}\n\n"
        "At your first sign-in you will set up two-step sign-in with an authenticator app.\n",
    )
    return admin


@atomic
def change_role(admin: PlatformAdmin, role: str, by: PlatformAdmin) -> None:
    """Give an admin another role (never one's own; the last superadmin stays one)."""
    if role not in ADMIN_ROLES:
        raise DomainError("Choose one of the roles listed.", "role")
    _lock(by, admin)
    if role == admin.role:
        return
    if admin.role == "superadmin":
        _keep_a_superadmin(admin, by, "role")
    if admin.id == by.id:
        raise DomainError("You cannot change your own role; ask another superadmin.", "role")
    before = {"role": admin.role}
    admin.role = role
    _audit("admin.role_changed", admin, before=before, after={"role": role})


@atomic
def set_active(admin: PlatformAdmin, active: bool, by: PlatformAdmin) -> None:
    """Switch an admin off (their sessions end at once) or on again."""
    _lock(by, admin)
    if admin.active == active:
        return
    if not active:
        _keep_a_superadmin(admin, by)
        admin.session_version += 1
    admin.active = active
    _audit("admin.reactivated" if active else "admin.deactivated", admin)


@atomic
def reset_two_step(admin: PlatformAdmin, by: PlatformAdmin) -> None:
    """Forget an admin's authenticator and recovery codes: they enroll again at next sign-in."""
    _lock(by, admin)
    if admin.id == by.id:
        raise DomainError("Ask another superadmin to reset your own two-step sign-in.")
    twostep.reset(admin)
    admin.session_version += 1  # a session signed in with the old app ends too
    _audit("auth.two_step_reset", admin)


@atomic
def set_password_from_link(token: str, password: str) -> PlatformAdmin:
    """Spend a console set-password link and set the password (ending other sessions)."""
    admin = admin_for_token(token, lock=True)
    first_time = admin.password_hash is None
    admin.set_password(password)
    action = "auth.password_set" if first_time else "auth.password_reset"
    record(action, admin, actor=admin, model=PlatformAuditEntry)
    return admin


def send_reset_link(email: str) -> None:
    """Email a reset link if an active admin has this email; say nothing either way. At most
    RESETS_PER_HOUR per address, counted for unknown addresses too, so nobody is mail-bombed."""
    email = email.strip().lower()
    if not ratelimit.allow("console-reset", email, RESETS_PER_HOUR, 3600):
        return
    query = select(PlatformAdmin).where(PlatformAdmin.email == email)
    admin = db.session.scalar(query)
    if admin is None or not admin.active:
        return
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    link = set_password_url(admin)
    record("auth.reset_requested", admin, actor="anonymous", model=PlatformAuditEntry)
    db.session.commit()
    mail.send(
        admin.email,
        "Reset your BailBondPro console password",
        f"Someone asked to reset the console password of {admin.email}.\n\n"
        f"Choose a new password here (valid {hours} hours, single use):\n{link}\n\n"
        "If it was not you, ignore this email.",
    )
