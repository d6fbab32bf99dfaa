"""One-time links sent by text or email: the one way they are made, read, expired and spent.

A link's token carries its secret in one of two ways, both bound to one agency:

* `SignedLinks`: a payload signed with the app secret under a salt per kind of link, naming the
  agency, the record and a *mark* the record holds (a random `nonce()`, or a `fingerprint()` of
  the record's state). Nothing secret is stored; changing or clearing the mark revokes every
  earlier link. Set-password, check-in and signing links.
* `StoredLinks`: 192 random bits, of which only an HMAC is stored, with an expiry and a used-at
  time; `spend()` is one UPDATE, so a link works once even when two requests race. Portal
  sign-in links (and the payment links to come).

Expiry is read from `bbp.kernel.clock`. Every refusal is an `InvalidLink`: a message safe to
show and an HTTP status (400: broken or not for this agency; 410: expired, used or revoked).
Opening a link (GET) only reads it and a button's POST spends it, so link previews never do.
Token paths are redacted from the access log (`bbp.web.weblog.TOKEN_PATHS`) and from the texts
staff read (`bbp.messaging.redact.PURPOSES`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import inspect, select, update

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.tenancy import TenantInfo, current_tenant, require_tenant
from bbp.tenancy.hosts import PLATFORM_LABEL, bare_host

BROKEN, GONE = 400, 410
SECRET_BYTES = 24  # 192 bits: cannot be guessed, and a texted link stays one SMS segment
WORDING = {
    "broken": _l("This link is not valid. Check that you opened all of it."),
    "elsewhere": _l("This link is not for this bail agency."),
    "expired": _l("This link has expired or was already used."),
    "used": _l("This link has already been used."),
}


class InvalidLink(DomainError):
    """A link that cannot be used; the message is safe to show, `status` is the HTTP status."""

    def __init__(self, message: str, status: int = BROKEN):
        super().__init__(str(message))
        self.status = status


@dataclass(frozen=True)
class Refusals:
    """What a kind of link says when it cannot be used (English, or lazily translated)."""

    broken: Any = WORDING["broken"]  # not signed here, or cut short
    elsewhere: Any = WORDING["elsewhere"]  # signed here, for another agency
    expired: Any = WORDING["expired"]  # too old; for stored links: or used, or unknown
    used: Any = WORDING["used"]  # its mark changed: used, or revoked

    def refuse(self, reason: str) -> InvalidLink:
        """The refusal for a reason: broken and elsewhere are 400, expired and used are 410."""
        status = BROKEN if reason in ("broken", "elsewhere") else GONE
        return InvalidLink(getattr(self, reason), status)


def new_secret() -> str:
    """A random token for a stored link (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def nonce() -> str:
    """A random mark for a signed link to name (32 characters, 128 bits)."""
    return secrets.token_hex(16)


def fingerprint(*state: object) -> str:
    """A short digest of a record's state: a signed link naming it dies when the state changes."""
    return hashlib.sha256("|".join(map(str, state)).encode()).hexdigest()[:20]


def digest(secret: str, scope: str, *context: str) -> str:
    """The HMAC stored for a secret (a link token or a code), bound to this agency and context."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = "|".join((scope, str(require_tenant().id), *context, secret)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check_mark(named: object, current: object, refusals: Refusals) -> None:
    """Refuse a signed link whose mark (nonce or fingerprint) is no longer the record's."""
    if not isinstance(named, str) or current is None or not hmac.compare_digest(named, current):
        raise refusals.refuse("used")


def lock(row) -> None:
    """Lock a record's row until commit and reload it, so two uses of one link take turns and
    the second one sees the mark the first one spent."""
    state = inspect(row)
    key = zip(state.mapper.primary_key, state.identity, strict=True)
    db.session.execute(
        select(*state.mapper.primary_key).where(*(c == v for c, v in key)).with_for_update()
    )
    db.session.refresh(row)


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamps, read from the application's clock."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


PLATFORM = "platform"  # what "t" names in a platform link (admin.<domain>), for no agency


@dataclass(frozen=True)
class SignedLinks:
    """A kind of signed link: its salt, and whether its token carries the time it was made.

    The agency's id travels as "t" in every payload ("platform" in a `platform` kind's, whose
    links are read only where no agency is bound); keep the other keys short (they are in URLs).
    """

    salt: str
    timed: bool = True
    platform: bool = False

    def _site(self, tenant: TenantInfo | None = None):
        if self.platform:
            return PLATFORM
        return (tenant or require_tenant()).id

    def _serializer(self) -> URLSafeSerializer:
        if self.timed:
            return URLSafeTimedSerializer(current_app.secret_key, self.salt, signer=_ClockSigner)
        return URLSafeSerializer(current_app.secret_key, self.salt)

    def make(self, payload: dict[str, Any], tenant: TenantInfo | None = None) -> str:
        """A token naming the agency (the bound one unless given) and the payload."""
        return self._serializer().dumps({"t": self._site(tenant), **payload})

    def read(
        self, token: str, refusals: Refusals, max_age: timedelta | None = None
    ) -> dict[str, Any]:
        """The payload of a token signed here, for this agency and younger than max_age."""
        try:
            if self.timed:
                data, issued = self._serializer().loads(token, return_timestamp=True)
            else:
                data, issued = self._serializer().loads(token), None
        except BadSignature:
            raise refusals.refuse("broken") from None
        if max_age is not None and (issued is None or expired(issued + max_age)):
            raise refusals.refuse("expired")
        here = PLATFORM if self.platform and current_tenant() is None else None
        if not self.platform:
            here = require_tenant().id
        if not isinstance(data, dict) or here is None or data.get("t") != here:
            raise refusals.refuse("elsewhere")
        return data


def expired(expires_at: datetime) -> bool:
    """Whether a moment of expiry has come (aware datetimes, read on the application's clock)."""
    return expires_at <= utcnow()


@dataclass(frozen=True)
class StoredLinks:
    """A kind of stored link: a model with `secret_hash`, `expires_at` and `used_at` columns,
    and the scope its tokens are hashed under."""

    model: Any
    scope: tuple[str, ...]

    def hash(self, token: str) -> str:
        return digest(token, *self.scope)

    def issue(self, lifetime: timedelta) -> tuple[str, dict[str, Any]]:
        """A new token, and the columns to store for it (its hash and expiry, never the token)."""
        token = new_secret()
        return token, {"secret_hash": self.hash(token), "expires_at": utcnow() + lifetime}

    def find(self, token: str, *where) -> Any:
        """The unused, unexpired row of a token (it stays unspent), or None."""
        model = self.model
        return db.session.scalar(
            select(model).where(
                model.secret_hash == self.hash(token),
                model.used_at.is_(None),
                model.expires_at > utcnow(),
                *where,
            )
        )

    def spend(self, token: str, refusals: Refusals, *where) -> Any:
        """Mark the token's row used and return it, in one statement; refused (410) when there is
        no such row, or it is used or expired. Rolling back the transaction unspends it (for a
        check the caller makes after spending)."""
        model, now = self.model, utcnow()
        row = db.session.scalar(
            update(model)
            .where(
                model.secret_hash == self.hash(token),
                model.used_at.is_(None),
                model.expires_at > now,
                *where,
            )
            .values(used_at=now)
            .returning(model),
            execution_options={"populate_existing": True},
        )
        if row is None:
            raise refusals.refuse("expired")
        return row


def platform_url(path: str) -> str:
    """Absolute URL of a path on the console's host, admin.<domain>."""
    config = current_app.config
    return f"{config['PREFERRED_URL_SCHEME']}://{PLATFORM_LABEL}.{config['BBP_DOMAIN']}{path}"


def tenant_url(tenant: TenantInfo, path: str) -> str:
    """Absolute URL of a path on the tenant's subdomain (for links sent out of band)."""
    config = current_app.config
    domain = config["BBP_DOMAIN"]
    port = domain.rsplit(":", 1)[1] if ":" in domain else None
    host = f"{tenant.slug}.{bare_host(domain)}" + (f":{port}" if port else "")
    return f"{config['PREFERRED_URL_SCHEME']}://{host}{path}"
