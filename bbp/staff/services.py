"""Team rules: who may invite whom, and who may be switched off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bbp import mail
from bbp.audit.services import changes, record
from bbp.auth.models import ROLES, User
from bbp.auth.tokens import set_password_url
from bbp.domain import DomainError
from bbp.extensions import db
from bbp.tenancy import require_tenant

AUDITED = ("email", "name", "role", "active")


@dataclass(frozen=True)
class Invitation:
    """A new staff member and the link that lets them choose a password."""

    user: User
    link: str


def invite(email: str, name: str, role: str, by: User, phone: str = "") -> Invitation:
    """Create a pending staff account and email its set-password link."""
    email = email.strip().lower()
    if not by.has_role(role):
        raise DomainError("You cannot give someone a role above your own.", "role")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError("Someone on your team already uses this email.", "email")
    user = User(email=email, name=name.strip(), role=role, invited_by_id=by.id, phone=phone or "")
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same email invited twice at the same moment
        db.session.rollback()
        raise DomainError("Someone on your team already uses this email.", "email") from None
    record("staff.invited", user, after=changes(user, AUDITED))
    tenant = require_tenant()
    link = set_password_url(tenant, user.id)
    db.session.commit()
    mail.send(
        email,
        f"You are invited to {tenant.name} on BailBondPro",
        f"{by.name or by.email} invited you to {tenant.name} as {user.role_label}.\n\n"
        f"Choose your password here:\n{link}\n",
    )
    return Invitation(user, link)


def _check_can_manage(user: User, by: User) -> None:
    """Owners manage everyone else; others only people below their own role."""
    if user.id == by.id:
        raise DomainError("You cannot change your own access.")
    if by.role != "owner" and ROLES.index(by.role) <= ROLES.index(user.role):
        raise DomainError(
            f"Only an owner can change the access of an {user.role_label.lower()}."
            if user.role in ("owner", "admin")
            else "You can only change the access of people below your role."
        )


def deactivate(user: User, by: User) -> User:
    """Switch an account off and end its sessions at once; the last owner stays."""
    _check_can_manage(user, by)
    if user.role == "owner":
        # Lock the owners' rows so two owners removing each other cannot both succeed.
        owners = db.session.scalars(
            select(User.id).where(User.role == "owner", User.active).with_for_update()
        ).all()
        if len(owners) <= 1:
            raise DomainError("The agency must keep at least one active owner.")
    before = changes(user, AUDITED)
    user.active = False
    user.session_version += 1
    record("staff.deactivated", user, before=before, after=changes(user, AUDITED))
    db.session.commit()
    return user


def reactivate(user: User, by: User) -> User:
    """Switch an account back on."""
    _check_can_manage(user, by)
    before = changes(user, AUDITED)
    user.active = True
    record("staff.reactivated", user, before=before, after=changes(user, AUDITED))
    db.session.commit()
    return user


def pending_invite_link(user: User) -> str:
    """The set-password link of someone invited who has not chosen a password yet."""
    if not user.pending or not user.active:
        raise DomainError("This person has already joined.")
    return set_password_url(require_tenant(), user.id)


def send_password_link(user: User, by: User) -> str | None:
    """Re-issue a set-password link: shown for a pending invite, emailed for a joined member.

    A joined member's link goes only to their own inbox, so no one can take over their account.
    """
    _check_can_manage(user, by)
    if not user.active:
        raise DomainError("Reactivate this account before sending it a link.")
    tenant = require_tenant()
    link = set_password_url(tenant, user.id)
    record(
        "staff.password_link_issued",
        user,
        after={"delivered": "shown" if user.pending else "emailed"},
    )
    db.session.commit()
    if user.pending:
        return link
    mail.send(
        user.email,
        f"Reset your {tenant.name} password",
        f"{by.name or by.email} sent you a link to choose a new password at "
        f"{tenant.name}:\n{link}\n\nIf you did not expect this, tell your office.",
    )
    return None
