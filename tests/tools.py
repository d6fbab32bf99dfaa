"""System tools some tests need: without one a laptop skips those tests, CI fails them."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

INSTALLER = "scripts/test-system-deps.sh installs it from Debian's packages"


def under_ci() -> bool:
    """True on a CI runner (CI=true), where a skipped test would pass without having run."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the calling test, or fail it under CI."""
    if under_ci():
        pytest.fail(f"{reason}, and CI must run this test ({INSTALLER})", pytrace=False)
    pytest.skip(f"{reason} ({INSTALLER})")


def require_tool(name: str, extra_path: str = "") -> str:
    """The path of an executable (a name on PATH, or a path), else skip or fail the test."""
    search = os.environ.get("PATH", "") + (os.pathsep + extra_path if extra_path else "")
    found = shutil.which(name, path=search)
    if found is None:
        missing(f"{name} is not installed")
    return found
