"""Signed, expiring, single-use set-password links for staff."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bbp.auth.models import User
from bbp.extensions import db
from bbp.tenancy import TenantInfo, require_tenant
from bbp.tenancy.hosts import bare_host

SALT = "bbp-set-password"


class InvalidLink(Exception):
    """The link is expired, used, or not for this agency; the message is safe to show."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    # Changes as soon as the password is set, which makes every earlier link single-use, and
    # when the role changes, so a link read before a promotion cannot claim the higher role.
    seed = f"{user.password_hash or 'unset'}|{user.session_version}|{user.active}|{user.role}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def make_token(tenant: TenantInfo, user: User) -> str:
    """A token naming the tenant, the user and the user's current password state."""
    return _serializer().dumps({"t": tenant.id, "u": user.id, "f": _fingerprint(user)})


def tenant_url(tenant: TenantInfo, path: str) -> str:
    """Absolute URL of a path on the tenant's subdomain (for links sent out of band)."""
    config = current_app.config
    domain = config["BBP_DOMAIN"]
    port = domain.rsplit(":", 1)[1] if ":" in domain else None
    host = f"{tenant.slug}.{bare_host(domain)}" + (f":{port}" if port else "")
    return f"{config['PREFERRED_URL_SCHEME']}://{host}{path}"


def set_password_url(tenant: TenantInfo, user_id: int) -> str:
    """The link a staff member follows to choose a password."""
    user = db.session.get(User, user_id)
    return tenant_url(tenant, f"/set-password/{make_token(tenant, user)}")


def user_for_token(token: str) -> User:
    """The user a set-password token is for, or InvalidLink with the reason."""
    max_age = current_app.config["PASSWORD_LINK_HOURS"] * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidLink("This link is not valid. Check that you copied all of it.") from None
    user = db.session.get(User, data.get("u")) if data.get("t") == require_tenant().id else None
    if user is None or not user.active:
        raise InvalidLink("This link is not valid for this agency.")
    if data.get("f") != _fingerprint(user):
        raise InvalidLink("This link has already been used. Ask for a new one if you need it.")
    return user
