"""One unit of work per service call: commit once on success, roll back on any exception.

    @atomic                          with atomic:
    def void(payment, reason, by):       ...the changes...
        ...

A service decorated with `atomic` (or a block `with atomic:`) commits when it returns and
rolls back when anything escapes it, a DomainError included, so a refusal leaves nothing
half-saved and releases any row lock before the view renders. Nested units join the outermost
one: only the outermost commits, so services can call each other and save together.
"""

from __future__ import annotations

import functools
from typing import TypeVar

from bbp.extensions import db

DEPTH = "bbp.atomic_depth"  # kept on the session, which is per request, job or test

F = TypeVar("F")


class Atomic:
    """The unit of work; use the `atomic` instance as a decorator or a context manager."""

    def __enter__(self):
        session = db.session()
        session.info[DEPTH] = session.info.get(DEPTH, 0) + 1
        return session

    def __exit__(self, exc_type, exc, tb) -> None:
        session = db.session()
        depth = session.info.get(DEPTH, 1) - 1
        session.info[DEPTH] = depth
        if depth > 0:  # an inner unit: the outer one decides
            return
        if exc_type is not None:
            session.rollback()
            return
        try:
            session.commit()
        except BaseException:
            session.rollback()  # a failed commit leaves nothing half-saved either
            raise

    def __call__(self, func: F | None = None) -> F | Atomic:
        if func is None:  # `@atomic()` or `with atomic():`
            return self

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


def active() -> bool:
    """Whether a unit of work is open (a service may then leave the commit to it)."""
    return db.session().info.get(DEPTH, 0) > 0


atomic = Atomic()
