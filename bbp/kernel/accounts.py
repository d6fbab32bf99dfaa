"""What staff users and platform admins share: password hashing, lockout, session versions."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import BigInteger, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import redis_client
from bbp.kernel.errors import LoginRefused
from bbp.kernel.keys import platform_key, tenant_key

MIN_PASSWORD_LENGTH = 12
_HASHERS = {
    "default": PasswordHasher(),
    # Tests only: same algorithm, minimum cost, so the suite stays fast.
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def hasher() -> PasswordHasher:
    """The Argon2 hasher for this app's profile."""
    return _HASHERS[current_app.config.get("ARGON2_PROFILE", "default")]


class AccountMixin:
    """Columns and rules for anything that signs in with an email and a password."""

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Two-step sign-in (bbp.kernel.twostep): the TOTP secret, encrypted by the owner's feature;
    # the last time step used (a code works once); wrong codes since the last good one; the
    # SHA-256 of each unused recovery code.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    recovery_hashes: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), default=list, server_default="{}"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_authenticated(self) -> bool:  # Flask-Login: a loaded account is signed in
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def set_password(self, password: str) -> None:
        """Hash a new password, clear any lockout and end every other session."""
        self.password_hash = hasher().hash(password)
        self.failed_logins = 0
        self.locked_until = None
        self.session_version = (self.session_version or 0) + 1

    def password_matches(self, password: str) -> bool:
        """Check a password against the stored hash without raising."""
        if not self.password_hash:
            burn_password_check(password)  # same cost as a real check: timing reveals nothing
            return False
        try:
            return hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def locked_minutes_left(self, now: datetime) -> int:
        """Whole minutes until the lockout ends (0 when not locked)."""
        if self.locked_until is None or self.locked_until <= now:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() // 60) + 1)

    def check_sign_in(self, password: str, now: datetime) -> None:
        """Apply the lockout policy to one attempt; raises LoginRefused with a reason to show."""
        config = current_app.config
        if self.locked_minutes_left(now):
            raise LoginRefused(locked_message(self.locked_minutes_left(now)))
        if self.locked_until is not None:  # an expired lock starts the count afresh
            self.failed_logins, self.locked_until = 0, None
        if not self.password_matches(password) or not self.active:
            self.failed_logins = (self.failed_logins or 0) + 1
            if self.active and self.failed_logins >= config["LOCKOUT_THRESHOLD"]:
                self.locked_until = now + timedelta(minutes=config["LOCKOUT_MINUTES"])
                raise LoginRefused(locked_message(config["LOCKOUT_MINUTES"]))
            raise LoginRefused(BAD_CREDENTIALS)
        self.failed_logins, self.last_login_at = 0, now


BAD_CREDENTIALS = "That email and password do not match an active account."


def locked_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-ins: this account is locked. "
        f"Try again in {minutes} {unit}, or reset your password."
    )


def burn_password_check(password: str) -> None:
    """Spend the time of a real check when the email is unknown."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher().verify(_dummy_hash(), password)


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("bbp_dummy_hash", {})
    profile = current_app.config.get("ARGON2_PROFILE", "default")
    if profile not in cache:
        cache[profile] = hasher().hash("not-a-real-password")
    return cache[profile]


def count_unknown(scope: str, email: str) -> str:
    """Count failures for an email with no account; answer exactly as for a real account."""
    config = current_app.config
    parts = ("signin", "unknown", email)
    key = platform_key(*parts) if scope == "platform" else tenant_key(*parts, slug=scope)
    pipe = redis_client().pipeline()
    pipe.incr(key)
    pipe.expire(key, config["LOCKOUT_MINUTES"] * 60, nx=True)
    failures = pipe.execute()[0]
    if failures >= config["LOCKOUT_THRESHOLD"]:
        return locked_message(config["LOCKOUT_MINUTES"])
    return BAD_CREDENTIALS
