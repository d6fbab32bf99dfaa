"""Fixed-window rate limits in Redis, counted per agency so agencies never share a budget."""

from __future__ import annotations

import hashlib

from bbp.extensions import redis_client
from bbp.tenancy import current_tenant


def allow(scope: str, key: str, limit: int, seconds: int) -> bool:
    """Count one hit of key in scope; False once more than `limit` hits fell in the window."""
    tenant = current_tenant()
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no phone numbers in Redis keys
    name = f"bbp:rate:{tenant.slug if tenant else 'platform'}:{scope}:{digest}"
    pipe = redis_client().pipeline()
    pipe.set(name, 0, ex=seconds, nx=True)  # starts the window; EXPIRE NX needs Redis 7
    pipe.incr(name)
    _, count = pipe.execute()
    return count <= limit
