"""The clock: every "now" and "today" the application reads, and the one place tests freeze.

Modules import the functions they read (`from bbp.kernel.clock import utcnow, agency_today`).
Freezing never patches an importer: `utcnow()` answers from one module-level moment while
`frozen(moment)` (or `set_now`) holds it, so a single freeze reaches every reader at once:
services, views, templates, and jobs a SimpleWorker or a live server's thread runs in the test
process. It is a plain global on purpose: a ContextVar would not reach those other threads.

The agency's zone is the bound tenant's (UTC when none is bound); its today, and the day any
moment falls on, are read here too, so no feature re-derives them from the tenant row.
No module outside this one reads the wall clock (tests/test_clock.py holds the tree to that);
monotonic timers for durations are not wall-clock dates and stay where they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import MAXYEAR, UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bbp.tenancy import current_tenant

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Timezone-aware now (the frozen moment while the clock is frozen)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at a timezone-aware moment, or let it run again with None (tests)."""
    global _frozen
    if moment is not None and moment.utcoffset() is None:
        raise ValueError("freeze the clock at a timezone-aware moment")
    _frozen = moment.astimezone(UTC) if moment is not None else None


class Frozen:
    """A hold on the frozen clock: read it, set it, move it forward or back."""

    @property
    def now(self) -> datetime:
        return utcnow()

    def set(self, moment: datetime) -> None:
        set_now(moment)

    def advance(self, delta: timedelta | None = None, **parts: float) -> None:
        """Move the clock by a timedelta or by its parts: advance(minutes=11), advance(days=-1)."""
        set_now(utcnow() + (delta or timedelta()) + timedelta(**parts))


@contextmanager
def frozen(moment: datetime | None = None) -> Iterator[Frozen]:
    """Hold every reader's clock at `moment` (the current one when omitted) for the block."""
    before = _frozen
    set_now(moment or utcnow())
    try:
        yield Frozen()
    finally:
        set_now(before)


def agency_zone() -> ZoneInfo:
    """The bound agency's time zone; UTC when no agency is bound."""
    tenant = current_tenant()
    return ZoneInfo(tenant.timezone if tenant else "UTC")


def zone_of(tenant) -> ZoneInfo:
    """An agency's time zone read off its row, for work outside its binding (the console)."""
    return ZoneInfo(tenant.timezone)


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """moment in zone (the agency's by default); a moment so near the ends of the calendar that
    the zone's offset would carry it past them shows as the first or last local time instead."""
    zone = zone or agency_zone()
    try:
        return moment.astimezone(zone)
    except OverflowError:
        edge = datetime.max if moment.year == MAXYEAR else datetime.min
        return edge.replace(tzinfo=zone)


def agency_now() -> datetime:
    """Now on the agency's wall clock."""
    return utcnow().astimezone(agency_zone())


def agency_today() -> date:
    """Today in the agency's time zone: the day every range is measured from."""
    return agency_now().date()


def agency_date(moment: datetime) -> date:
    """The day a moment falls on in the agency's time zone."""
    return local(moment).date()
