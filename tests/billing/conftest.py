"""Billing tests sign platform admins in with the console's own helpers."""

from tests.platform.conftest import console_as  # noqa: F401  (a fixture, shared)
