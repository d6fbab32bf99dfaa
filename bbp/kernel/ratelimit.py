"""Fixed-window rate limits in Redis, counted per agency so agencies never share a budget."""

from __future__ import annotations

import hashlib

from bbp.extensions import redis_client
from bbp.kernel.keys import scoped_key


class RateLimited(Exception):
    """A limit was reached; the message, written for the user, is answered with a 429."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _name(scope: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no phone numbers in Redis keys
    return scoped_key("rate", scope, digest)


def exhausted(scope: str, key: str, limit: int) -> bool:
    """Whether key already used up its `limit` hits in the current window (counts nothing)."""
    return int(redis_client().get(_name(scope, key)) or 0) >= limit


def allow(scope: str, key: str, limit: int, seconds: int) -> bool:
    """Count one hit of key in scope; False once more than `limit` hits fell in the window."""
    name = _name(scope, key)
    pipe = redis_client().pipeline()
    pipe.set(name, 0, ex=seconds, nx=True)  # starts the window; EXPIRE NX needs Redis 7
    pipe.incr(name)
    _, count = pipe.execute()
    return count <= limit
