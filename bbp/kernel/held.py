"""What a process keeps between requests of one agency: each entry is good for one value of the
agency's change counter (bbp/kernel/changes.py) and for a time limit, whichever ends first, and
the number of entries is bounded (the oldest goes first).

Time is the app's clock (a frozen clock moved on in a test ages entries too). Entries are per
process, so nothing here is shared between workers or survives a restart; a
key always starts with the agency's id and schema, so one agency's entry never answers another.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bbp.kernel.changes import UNKNOWN
from bbp.kernel.clock import utcnow

T = TypeVar("T")


class Held(Generic[T]):
    """A bounded, per-process store of values that go stale on the agency's next write."""

    def __init__(self, limit: int, seconds: float):
        self.limit, self.lasts = limit, timedelta(seconds=seconds)
        self._entries: dict[Hashable, tuple[datetime, str, T]] = {}

    def get(self, key: Hashable, version: str) -> T | None:
        """The value held for this key at this version, if still within its time limit."""
        entry = self._entries.get(key)
        if entry is None or entry[1] != version or not utcnow() < entry[0]:
            return None
        return entry[2]

    def put(self, key: Hashable, version: str, value: T) -> None:
        """Hold a value built at this version (nothing is held when the version is unknown)."""
        if version == UNKNOWN:
            return
        self._entries.pop(key, None)
        while len(self._entries) >= self.limit:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (utcnow() + self.lasts, version, value)

    def clear(self) -> None:
        """Forget everything held (tests)."""
        self._entries.clear()
