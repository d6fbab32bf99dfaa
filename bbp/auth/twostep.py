"""The second sign-in step, for any account: enroll, check a code, reset; audited and committed.

Staff and platform admins differ only in where their secret is sealed and which audit log hears
about it (a `Keeper`); the rules are `bbp.kernel.twostep`'s. Each function commits, a refusal
included, so a wrong code is counted even though it is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import session
from flask_login import login_user

from bbp.audit.models import AuditEntry
from bbp.audit.services import record
from bbp.extensions import db
from bbp.kernel import signin_steps, twostep
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import LoginRefused
from bbp.kernel.links import lock
from bbp.settings.models import AgencySettings
from bbp.vault.services import decrypt, encrypt


@dataclass(frozen=True)
class Keeper:
    """How one kind of account keeps its TOTP secret and where its steps are audited."""

    encrypt: Callable[[str], bytes]
    decrypt: Callable[[bytes], str]
    audit_model: type
    stale: Callable[[bytes], bool] = lambda blob: False  # sealed under an older key


STAFF_PURPOSE = "users.totp_secret"
# Staff secrets are encrypted with the agency's data key, so shredding the agency's keys kills them.
STAFF = Keeper(
    encrypt=lambda secret: encrypt(STAFF_PURPOSE, secret),
    decrypt=lambda blob: decrypt(STAFF_PURPOSE, blob),
    audit_model=AuditEntry,
)


def agency_requires_it() -> bool:
    """Whether the bound agency's owner requires a second step of everyone."""
    settings = db.session.get(AgencySettings, 1)
    return settings is not None and settings.require_two_step


def staff_needs_second_step(user) -> bool:
    """A staff member gives a code when enrolled, or enrolls when the agency requires it."""
    return twostep.enrolled(user) or agency_requires_it()


def pending_account(model: type, prefix: str):
    """The account a half-signed-in session names, if it is still active and its sessions have
    not been ended since (`prefix` is the Flask-Login id up to the account's id)."""
    held = signin_steps.pending_id()
    if not held or not held.startswith(prefix):
        return None
    parts = held[len(prefix) :].split(":")
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    account = db.session.get(model, int(parts[0]))
    if account is None or not account.active or str(account.session_version) != parts[1]:
        return None
    return account


def secret_to_enroll(account, keeper: Keeper) -> str:
    """The secret being set up: the one already offered (a reload shows the same QR code), or a
    new one, sealed and saved."""
    if account.totp_secret_encrypted is not None and not twostep.enrolled(account):
        return keeper.decrypt(account.totp_secret_encrypted)
    secret = twostep.new_secret()
    account.totp_secret_encrypted = keeper.encrypt(secret)
    account.totp_enrolled_at = None
    db.session.commit()
    return secret


def confirm_enrollment(account, keeper: Keeper, code: str) -> list[str]:
    """Turn the offered secret on with a code from the app; returns the recovery codes."""
    lock(account)
    if account.totp_secret_encrypted is None or twostep.enrolled(account):
        db.session.rollback()
        raise LoginRefused("Start the setup again: the page was out of date.", field="code")
    secret = keeper.decrypt(account.totp_secret_encrypted)
    try:
        codes = twostep.enroll(account, secret, code, utcnow())
    except LoginRefused:
        _refused(account, keeper)
        raise
    record("auth.two_step_enrolled", account, actor=account, model=keeper.audit_model)
    db.session.commit()
    return codes


def check_code(account, keeper: Keeper, code: str) -> str:
    """Check the second step at sign-in; returns 'code' or 'recovery'."""
    lock(account)
    secret = keeper.decrypt(account.totp_secret_encrypted)
    try:
        method = twostep.verify(account, secret, code, utcnow())
    except LoginRefused:
        _refused(account, keeper)
        raise
    if keeper.stale(account.totp_secret_encrypted):
        account.totp_secret_encrypted = keeper.encrypt(secret)
    after = {"method": method}
    if method == "recovery":
        after["recovery_codes_left"] = len(account.recovery_hashes)
    record("auth.sign_in", account, actor=account, after=after, model=keeper.audit_model)
    db.session.commit()
    return method


def finish(account) -> str | None:
    """Sign the account in for real; returns where the visitor was going."""
    target = signin_steps.next_url()
    signin_steps.clear()
    login_user(account)
    session.permanent = True  # sliding expiry: PERMANENT_SESSION_LIFETIME of inactivity
    return target


def _refused(account, keeper: Keeper) -> None:
    locked = account.locked_minutes_left(utcnow())
    action = "auth.two_step_locked" if locked else "auth.two_step_failed"
    record(action, account, actor="anonymous", model=keeper.audit_model)
    db.session.commit()
