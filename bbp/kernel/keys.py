"""Redis key names, built in one place so every agency's keys carry its slug the same way.

    bbp:tenant:<slug>:<part>:...   an agency's keys: rate limits, sign-in caps, outbox, locks
    bbp:platform:<part>:...        keys of no agency: the platform console's, the scheduler's

Slugs are lowercase letters, digits and hyphens, so the agency segment never holds a colon and
one agency's keys can never be spelled from another's.
"""

from __future__ import annotations

import re

from bbp.tenancy import TenancyError, current_tenant, require_tenant

PREFIX = "bbp"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def tenant_key(*parts: object, slug: str | None = None) -> str:
    """A key of the bound agency; refuses when none is bound.

    `slug` names the agency for readers outside any binding (the dev outbox of an agency); it
    is refused when another agency is bound.
    """
    bound = current_tenant()
    if slug is None:
        slug = require_tenant().slug
    elif bound is not None and bound.slug != slug:
        raise TenancyError(f"a key of {slug!r} asked while {bound.slug!r} is bound")
    if not SLUG.fullmatch(slug):
        raise TenancyError(f"refusing suspicious agency slug {slug!r} in a Redis key")
    return _join(("tenant", slug), parts)


def platform_key(*parts: object) -> str:
    """A key that belongs to no agency."""
    return _join(("platform",), parts)


def scoped_key(*parts: object) -> str:
    """The bound agency's key, or the platform's when no agency is bound (code serving both)."""
    return tenant_key(*parts) if current_tenant() is not None else platform_key(*parts)


def _join(scope: tuple[str, ...], parts: tuple[object, ...]) -> str:
    names = [str(part) for part in parts]
    if not names or not all(names):
        raise ValueError(f"a Redis key needs one or more non-empty parts, not {parts!r}")
    return ":".join((PREFIX, *scope, *names))
