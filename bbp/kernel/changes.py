"""A per-agency change counter in Redis, bumped when a transaction that wrote the agency commits.

Caches of agency-wide pages (the dashboard) compare their entry with it, so every process sees
a write at once; one GET per cached page.
"""

from __future__ import annotations

import logging

from redis import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from bbp.extensions import redis_client
from bbp.kernel.keys import tenant_key
from bbp.tenancy.context import current_tenant

log = logging.getLogger(__name__)
WROTE = "bbp_wrote"


def version() -> str:
    """The bound agency's change counter ("0" before its first write, or when Redis is down)."""
    try:
        value = redis_client().get(tenant_key("changes"))
    except RedisError:
        log.warning("change counter unreadable; caches fall back to their time limit")
        return "unknown"
    return value.decode() if value else "0"


def _after_flush(session: Session, _context) -> None:
    session.info[WROTE] = True


def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(WROTE, False) or current_tenant() is None:
        return
    try:
        redis_client().incr(tenant_key("changes"))
    except RedisError:
        log.warning("change counter not bumped; cached pages catch up within their time limit")


def _after_rollback(session: Session) -> None:
    session.info.pop(WROTE, None)


LISTENERS = (
    ("after_flush", _after_flush),
    ("do_orm_execute", _on_execute),
    ("after_commit", _after_commit),
    ("after_rollback", _after_rollback),
)


def install() -> None:
    """Listen on every session (once per process, whatever the number of apps)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
