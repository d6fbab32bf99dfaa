"""disputes."""

from __future__ import annotations

HANDLES: dict = {}
