"""Two-step sign-in (TOTP, RFC 6238) shared by staff and platform admins.

The rules live here: ±1 time step of drift, a code works once (the last step used is kept),
wrong codes lock the account like wrong passwords, and ten single-use recovery codes kept as
SHA-256 digests. The secret itself is encrypted by the account's own feature (the agency's data
key for staff, the platform's master key for admins); these functions take it in plain text.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from bbp.kernel.accounts import locked_message
from bbp.kernel.errors import LoginRefused

ISSUER = "BailBondPro"
DRIFT = 1  # time steps accepted either side of now: a phone clock 30 s off still works
RECOVERY_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 16  # 16 of 31 symbols: 79 bits, beyond offline guessing of a plain digest
WRONG_CODE = "That code is not right. Enter the 6 digits your authenticator app shows now."
REPLAYED = "That code was already used. Wait for the next one and enter it."


def new_secret() -> str:
    """A fresh TOTP secret: 32 base32 characters (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, drawn here (no CDN, no inline style: CSP-safe)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        nl=False,
        omitsize=True,
        border=2,
        title="QR code to scan",
        svgclass="qr-code",
    )
    svg = out.getvalue().decode()
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704  (segno's own output)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """Ten fresh recovery codes, shown once, like 'abcd-efgh-jkmn-pqrs'."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(RECOVERY_LENGTH // 4)
        )
        for _ in range(RECOVERY_COUNT)
    ]


def recovery_hash(code: str) -> str:
    """The stored digest of a recovery code (spaces, dashes and case ignored)."""
    normalized = re.sub(r"[^a-z0-9]", "", code.lower())
    return hashlib.sha256(f"bbp-recovery|{normalized}".encode()).hexdigest()


def _step(now: datetime) -> int:
    return int(now.timestamp()) // 30


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now ±DRIFT) whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    found = None
    for step in range(_step(now) - DRIFT, _step(now) + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def enroll(account, secret: str, code: str, now: datetime) -> list[str]:
    """Confirm a new secret with a code from the app; returns the recovery codes to show once.

    The caller stores the encrypted secret; wrong codes count towards the lockout."""
    _refuse_if_locked(account, now)
    step = _matching_step(secret, _digits(code), now) if _digits(code) else None
    if step is None:
        _count_failure(account, now, WRONG_CODE)
    codes = new_recovery_codes()
    account.totp_enrolled_at, account.totp_last_step = now, step
    account.totp_failures = 0
    account.recovery_hashes = [recovery_hash(c) for c in codes]
    return codes


def verify(account, secret: str, code: str, now: datetime) -> str:
    """Check a sign-in code or a recovery code; returns 'code' or 'recovery', or raises
    LoginRefused (field 'code') and counts the failure. The caller locks the row and commits
    in both cases, so the count and the spent code stick."""
    _refuse_if_locked(account, now)
    digits = _digits(code)
    if digits:
        step = _matching_step(secret, digits, now)
        if step is not None and step > (account.totp_last_step or 0):
            account.totp_last_step, account.totp_failures = step, 0
            return "code"
        _count_failure(account, now, REPLAYED if step is not None else WRONG_CODE)
    digest = recovery_hash(code)
    if code.strip() and digest in (account.recovery_hashes or []):
        account.recovery_hashes = [h for h in account.recovery_hashes if h != digest]
        account.totp_failures = 0
        return "recovery"
    _count_failure(account, now, WRONG_CODE)
    raise AssertionError  # unreachable: _count_failure raises


def reset(account) -> None:
    """Forget the account's second factor: it enrolls again at its next sign-in."""
    account.totp_secret_encrypted = None
    account.totp_enrolled_at = account.totp_last_step = None
    account.totp_failures = 0
    account.recovery_hashes = []


def enrolled(account) -> bool:
    """Whether the account has a confirmed second factor."""
    return account.totp_enrolled_at is not None and account.totp_secret_encrypted is not None


def _digits(code: str) -> str:
    """Six digits typed with or without spaces, else ''."""
    cleaned = re.sub(r"\s", "", code or "")
    return cleaned if re.fullmatch(r"\d{6}", cleaned) else ""


def _refuse_if_locked(account, now: datetime) -> None:
    if minutes := account.locked_minutes_left(now):
        raise LoginRefused(locked_message(minutes), field="code")


def _count_failure(account, now: datetime, message: str) -> None:
    """A wrong code counts like a wrong password; enough of them lock the account."""
    config = current_app.config
    account.totp_failures = (account.totp_failures or 0) + 1
    if account.totp_failures >= config["LOCKOUT_THRESHOLD"]:
        account.totp_failures = 0  # the lock is the penalty; afterwards the count starts afresh
        account.locked_until = now + timedelta(minutes=config["LOCKOUT_MINUTES"])
        raise LoginRefused(locked_message(config["LOCKOUT_MINUTES"]), field="code")
    raise LoginRefused(message, field="code")
