"""Team rules: who may invite whom, and who may be switched off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bbp import mail
from bbp.audit.services import changes, record
from bbp.auth.models import User
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


def invite(email: str, name: str, role: str, by: User) -> Invitation:
    """Create a pending staff account and email its set-password link."""
    email = email.strip().lower()
    if not by.has_role(role):
        raise DomainError("You cannot give someone a role above your own.", "role")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError("Someone on your team already uses this email.", "email")
    user = User(email=email, name=name.strip(), role=role, invited_by_id=by.id)
    db.session.add(user)
    db.session.flush()
    record("staff.invited", user, after=changes(user, AUDITED))
    tenant = require_tenant()
    link = set_password_url(tenant, user.id)
    mail.send(
        email,
        f"You are invited to {tenant.name} on BailBondPro",
        f"{by.name or by.email} invited you to {tenant.name} as {user.role_label}.\n\n"
        f"Choose your password here:\n{link}\n",
    )
    db.session.commit()
    return Invitation(user, link)


def _check_can_manage(user: User, by: User) -> None:
    if user.id == by.id:
        raise DomainError("You cannot change your own access.")
    if not by.has_role(user.role):
        raise DomainError("Only an owner can change another owner's access.")


def deactivate(user: User, by: User) -> User:
    """Switch an account off and end its sessions at once; the last owner stays."""
    _check_can_manage(user, by)
    if user.role == "owner":
        owners = db.session.scalar(select(func.count()).where(User.role == "owner", User.active))
        if owners <= 1:
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


def new_password_link(user: User, by: User) -> str:
    """A fresh set-password link for someone who lost theirs."""
    _check_can_manage(user, by)
    if not user.active:
        raise DomainError("Reactivate this account before sending it a link.")
    record("staff.password_link_issued", user)
    db.session.commit()
    return set_password_url(require_tenant(), user.id)
