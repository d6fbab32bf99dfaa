"""A per-agency change counter in Redis, bumped when a transaction that wrote the agency commits.

What processes keep between requests (bbp/kernel/held.py: the dashboard's figures, signed-in
users, whole pages) compares its entry with it, so every process sees a write at once; one GET
per request. A counter that is missing (a new agency, or a flushed Redis) starts from a random
number, never from one an entry may still hold.
"""

from __future__ import annotations

import logging
import secrets

from flask import g, has_request_context
from redis import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from bbp.extensions import redis_client
from bbp.kernel.keys import tenant_key
from bbp.tenancy.context import current_tenant, require_tenant

log = logging.getLogger(__name__)
WROTE = "bbp_wrote"
UNKNOWN = "unknown"  # Redis is down: nothing is held or served from what is held


def version() -> str:
    """The bound agency's change counter, or UNKNOWN when Redis cannot be read.

    Read once per request: what a request keeps is built after the read, so a write it misses
    only makes its entries miss sooner."""
    if not has_request_context():
        return _read()
    read = g.setdefault("bbp_versions", {})  # by schema: a request may bind several agencies
    schema = require_tenant().schema
    if schema not in read:
        read[schema] = _read()
    return read[schema]


def _read() -> str:
    key = tenant_key("changes")
    try:
        value = redis_client().get(key)
        if value is None:
            value = _start(key, increment=False)
    except RedisError:
        log.warning("change counter unreadable; nothing is served from what processes hold")
        return UNKNOWN
    return value.decode() if isinstance(value, bytes) else str(value)


def bump() -> None:
    """Count a write to the bound agency made outside an ORM session (statements that commit on
    their own, like a text's hand-over)."""
    try:
        _start(tenant_key("changes"), increment=True)
    except RedisError:
        log.warning("change counter not bumped; held pages catch up within their time limit")


def _start(key: str, *, increment: bool):
    """Create a missing counter at random (then increment it if asked), in one round trip."""
    pipe = redis_client().pipeline(transaction=False)
    pipe.set(key, secrets.randbelow(2**62), nx=True)
    if increment:
        pipe.incr(key)
    else:
        pipe.get(key)
    return pipe.execute()[-1]


def _after_flush(session: Session, _context) -> None:
    session.info[WROTE] = True


def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(WROTE, False) and current_tenant() is not None:
        bump()


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
