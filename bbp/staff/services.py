"""Team rules: who may invite whom, change whose role, and switch whom off.

One rule (`User.may_manage`) covers every team action: a role manages only roles below its own,
only owners manage owners, and the agency always keeps a joined, active owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from bbp.audit.services import changes, record
from bbp.auth.models import User, may_manage
from bbp.auth.tokens import set_password_url
from bbp.extensions import db
from bbp.kernel import mail, twostep
from bbp.kernel.errors import DomainError
from bbp.settings.models import AgencySettings
from bbp.tenancy import require_tenant

AUDITED = ("email", "name", "role", "active")
# Rules that may refuse one more active account (the platform's billing adds its plan's seats).
SEAT_CHECKS: list[Callable[[], None]] = []


@dataclass(frozen=True)
class Invitation:
    """A new staff member and the link that lets them choose a password."""

    user: User
    link: str


def invite(email: str, name: str, role: str, by: User, phone: str = "") -> Invitation:
    """Create a pending staff account and email its set-password link."""
    email = email.strip().lower()
    _lock_team(by)
    _check_can_grant(role, by)
    _take_seat()
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


def _take_seat() -> None:
    """Refuse one more active account when a seat rule says the team is full."""
    for check in SEAT_CHECKS:
        check()


def _lock_team(by: User, user: User | None = None) -> None:
    """Lock and reload the actor, the target and every owner, in id order, before a change.

    Two team changes at the same moment are serialized in one order (no deadlock), and each sees
    the other's outcome: an owner demoted a moment ago can no longer act as one.
    """
    ids = [by.id] + ([user.id] if user is not None else [])
    db.session.scalars(
        select(User)
        .where(or_(User.id.in_(ids), User.role == "owner"))
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not by.active:
        raise DomainError("Your account has been switched off.")


def _revoke_links_seen_by(user: User, before: str) -> None:
    """End the invitation links `user` could read under role `before` and no longer may."""
    for pending in db.session.scalars(
        select(User).where(User.password_hash.is_(None), User.active, User.id != user.id)
    ):
        could, can = may_manage(before, pending.role), user.active and user.may_manage(pending)
        if could and not can:
            pending.session_version += 1
            record("staff.invitation_link_revoked", pending, after={"because": user.email})


def _check_can_grant(role: str, by: User) -> None:
    """Refuse to hand out a role the acting person does not manage."""
    if role not in by.grantable_roles():
        raise DomainError("You cannot give someone a role at or above your own.", "role")


def check_can_manage(user: User, by: User) -> None:
    """Refuse any team action on oneself or on someone at or above one's own role."""
    if user.id == by.id:
        raise DomainError("You cannot change your own access.")
    if not by.may_manage(user):
        raise DomainError(
            f"Only an owner can change the access of an {user.role_label.lower()}."
            if user.role in ("owner", "admin")
            else "You can only change the access of people below your role."
        )


def _keep_an_owner(user: User) -> None:
    """Refuse to remove the last joined, active owner other than `user`."""
    # Lock every owner row, the target's included, so two owners demoting or switching off each
    # other at the same moment are serialized and the second sees the first one's change.
    owners = db.session.scalars(
        select(User.id)
        .where(User.role == "owner", User.active, User.password_hash.is_not(None))
        .with_for_update()
    ).all()
    if not [owner for owner in owners if owner != user.id]:
        raise DomainError("The agency must keep at least one active owner.")


def deactivate(user: User, by: User) -> User:
    """Switch an account off and end its sessions at once; the last owner stays."""
    _lock_team(by, user)
    check_can_manage(user, by)
    if user.role == "owner":
        _keep_an_owner(user)
    before = changes(user, AUDITED)
    user.active = False
    user.session_version += 1
    _revoke_links_seen_by(user, user.role)
    record("staff.deactivated", user, before=before, after=changes(user, AUDITED))
    db.session.commit()
    return user


def reactivate(user: User, by: User) -> User:
    """Switch an account back on."""
    _lock_team(by, user)
    check_can_manage(user, by)
    if not user.active:
        _take_seat()
    before = changes(user, AUDITED)
    user.active = True
    record("staff.reactivated", user, before=before, after=changes(user, AUDITED))
    db.session.commit()
    return user


def change_role(user: User, role: str, by: User) -> User:
    """Give someone another role; both the old and the new role must be below the actor's.

    Links already issued stop working: a set-password link names the role it was issued for.
    """
    _lock_team(by, user)
    check_can_manage(user, by)
    _check_can_grant(role, by)
    if role == user.role:
        return user
    if user.role == "owner":
        _keep_an_owner(user)
    before = changes(user, AUDITED)
    user.role = role
    _revoke_links_seen_by(user, before["role"])
    record("staff.role_changed", user, before=before, after=changes(user, AUDITED))
    db.session.commit()
    return user


def role_choices(user: User, by: User) -> tuple[str, ...]:
    """The roles `by` may give `user`, or DomainError when `by` may not manage them at all."""
    check_can_manage(user, by)
    return by.grantable_roles()


def pending_invite_link(user: User, by: User) -> str:
    """The set-password link of someone invited who has not chosen a password yet."""
    check_can_manage(user, by)
    if not user.pending or not user.active:
        raise DomainError("This person has already joined.")
    return set_password_url(require_tenant(), user.id)


def send_password_link(user: User, by: User) -> str | None:
    """Re-issue a set-password link: shown for a pending invite, emailed for a joined member.

    A joined member's link goes only to their own inbox, so no one can take over their account.
    """
    _lock_team(by, user)
    check_can_manage(user, by)
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


def reset_two_step(user: User, by: User) -> User:
    """Forget someone's authenticator app (a lost phone): they are signed out and set one up
    again at their next sign-in if the agency requires it, or from their account page."""
    _lock_team(by, user)
    check_can_manage(user, by)
    twostep.reset(user)
    user.session_version += 1  # a session signed in with the old app ends too
    record("auth.two_step_reset", user)
    db.session.commit()
    return user


def two_step_required() -> bool:
    """Whether the owner requires two-step sign-in of everyone."""
    settings = db.session.get(AgencySettings, 1)
    return settings is not None and settings.require_two_step


def require_two_step(required: bool, by: User) -> None:
    """Require a second sign-in step of everyone (owners only); it applies at next sign-in."""
    if by.role != "owner":
        raise DomainError("Only an owner can change who must use two-step sign-in.", status=403)
    settings = db.session.get(AgencySettings, 1, with_for_update=True)
    if settings is None:
        settings = AgencySettings(id=1, fees=[], forfeiture_overrides={})
        db.session.add(settings)
    if settings.require_two_step == required:
        return
    before = {"require_two_step": settings.require_two_step}
    settings.require_two_step = required
    action = "settings.two_step_required" if required else "settings.two_step_optional"
    record(action, before=before, after={"require_two_step": required})
    db.session.commit()
