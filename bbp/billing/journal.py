"""Billing actions in both audit logs: the platform's, and the agency's own while it exists.

A caller records its platform entry, then writes the agency's inside `agency_log`:

    record("billing.x", tenant, after=after, actor=actor, model=PlatformAuditEntry)
    with agency_log(tenant_id, actor) as label:
        if label:
            record("billing.x", after=after, actor=label)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bbp.extensions import db
from bbp.tenancy.context import bound
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug


def agency_label(actor: Any) -> str:
    """How the agency's log names a platform admin (or the billing job)."""
    if isinstance(actor, str):
        return f"BailBondPro: {actor}"
    return f"BailBondPro: {getattr(actor, 'name', None) or getattr(actor, 'email', actor)}"


@contextmanager
def agency_log(tenant_id: int, actor: Any) -> Iterator[str | None]:
    """Commit the caller's unit (its platform entry with it), then run the block bound to the
    agency's schema and commit it; yields how the agency's log names the actor, or None when
    the agency's schema is gone (purged: the platform log alone remembers it)."""
    tenant = db.session.get(Tenant, tenant_id)
    info = tenant_by_slug(tenant.slug) if tenant.status != "purged" else None
    db.session.commit()
    if info is None:
        yield None
    else:
        with bound(info, db.session):  # closes the session: the caller's objects reload
            yield agency_label(actor)
            db.session.commit()
    if isinstance(actor, db.Model):
        db.session.add(actor)  # the signed-in admin, for the page that follows
