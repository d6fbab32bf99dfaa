"""The one helper every service calls to write an audit entry."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from bbp.audit.models import AuditEntry
from bbp.extensions import db


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def request_origin() -> tuple[str | None, str | None]:
    """Client IP and user agent of the current request (None outside requests)."""
    if not has_request_context():
        return None, None
    return request.remote_addr, (request.user_agent.string or None)


def record(
    action: str,
    target: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    actor: Any = None,
    model: type = AuditEntry,
) -> Any:
    """Add an audit entry to the session; the calling service commits it with its own change."""
    if actor is not None:
        actor_id, actor_label = getattr(actor, "id", None), getattr(actor, "email", str(actor))
    else:
        actor_id, actor_label = _actor()
    ip, user_agent = request_origin()
    entry = model(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(target.id) if getattr(target, "id", None) is not None else None,
        ip=ip,
        user_agent=user_agent,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def changes(obj: Any, fields: tuple[str, ...]) -> dict:
    """Snapshot the named attributes for a before/after pair."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
