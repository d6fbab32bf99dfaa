"""The clock: every "now" and "today" the application reads, and the one place tests freeze."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now."""
    return datetime.now(UTC)
