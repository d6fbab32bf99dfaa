"""Upgrade every agency's schema to head: what `flask tenants migrate` and the console's
migration job both run, and each agency's revision against head."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.wakeups import repair
from bbp.platform.pool import keep_spares
from bbp.tenancy.migrate import MigrationOutcome, upgrade_all
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import head_revision, revisions

STATUSES = ("upgraded", "skipped", "failed")


@dataclass(frozen=True)
class Migrated:
    """What one run did to every agency it took, and the spare schemas it made after."""

    outcomes: list[MigrationOutcome]
    spares_made: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(o.status == status for o in self.outcomes) for status in STATUSES}

    @property
    def failures(self) -> list[MigrationOutcome]:
        return sorted((o for o in self.outcomes if o.status == "failed"), key=lambda o: o.schema)


def schemas(only: Iterable[str] = ()) -> list[str]:
    """The schemas of every agency (or of the slugs named), by slug; a purged agency's schema is
    gone and its tombstone row stays (docs/platform-lifecycle.md)."""
    query = select(Tenant.schema_name).where(Tenant.status != "purged").order_by(Tenant.slug)
    if only := list(only):
        query = query.where(Tenant.slug.in_(only))
    found = list(db.session.scalars(query))
    db.session.rollback()
    return found


def migrate_all(
    names: list[str],
    workers: int | None = None,
    on_done: Callable[[MigrationOutcome], None] | None = None,
    every_agency: bool = True,
) -> Migrated:
    """Upgrade the named schemas in parallel (a failure never stops the rest), then let every
    periodic task run at the next tick and, after a whole run, renew the spare schemas."""
    if not names:
        return Migrated([])
    workers = workers or current_app.config["TENANT_MIGRATION_WORKERS"]
    url = db.engine.url.render_as_string(hide_password=False)
    outcomes = upgrade_all(url, names, workers, on_done=on_done)
    repair(utcnow())  # a periodic task this deploy added runs for every agency at the next tick
    db.session.commit()
    made = keep_spares() if every_agency else 0  # the spares of the old head are gone
    return Migrated(outcomes, made)


@dataclass(frozen=True)
class Standing:
    """One agency's schema revision against the head."""

    slug: str
    name: str
    revision: str | None
    head: str

    @property
    def behind(self) -> bool:
        return self.revision != self.head


def standings(tenants: list[Tenant]) -> list[Standing]:
    """Each agency's revision against head, read by name lookups (no catalog join)."""
    head = head_revision()
    with db.engine.connect() as conn:  # its own connection: revisions() commits between chunks
        found = revisions(conn, [t.schema_name for t in tenants])
    return [Standing(t.slug, t.name, found[t.schema_name], head) for t in tenants]


def behind() -> list[str]:
    """The slugs of agencies whose schema is not at head."""
    head = head_revision()
    rows = db.session.execute(
        select(Tenant.slug, Tenant.schema_name).where(Tenant.status != "purged")
    ).all()
    db.session.rollback()
    with db.engine.connect() as conn:
        found = revisions(conn, [schema for _, schema in rows])
    return sorted(slug for slug, schema in rows if found[schema] != head)


def behind_count() -> int:
    """How many agencies are not at head."""
    return len(behind())
