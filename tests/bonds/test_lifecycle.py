"""The status lifecycle as rules (no database)."""

from __future__ import annotations

import pytest

from bbp.bonds import lifecycle
from bbp.bonds.models import STATUSES


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("quote", "application"),
        ("written", "active"),
        ("active", "forfeited"),
        ("forfeited", "reinstated"),
        ("reinstated", "exonerated"),
        ("surrendered", "exonerated"),
    ],
)
def test_allowed_moves(current, target):
    assert lifecycle.refusal(current, target, "because") is None


def test_every_status_has_its_moves_listed():
    assert set(lifecycle.TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (
            "exonerated",
            "active",
            "A bond that is exonerated cannot become active. From here it can become: nothing.",
        ),
        ("quote", "forfeited", "From here it can become: Application, Canceled / void."),
        ("application", "written", "Write the bond from its review step"),
        ("active", "forfeited", "Say why the bond becomes forfeited."),
        ("quote", "nonsense", "Unknown status."),
    ],
)
def test_refusals_explain_themselves(current, target, message):
    reason = "" if message.startswith("Say why") else "x"
    assert message in lifecycle.refusal(current, target, reason)


def test_roles_for_voiding_and_settling():
    assert lifecycle.required_role("written", "cancelled") == "admin"
    assert lifecycle.required_role("quote", "cancelled") == "agent"
    assert lifecycle.required_role("forfeited", "reinstated") == "manager"
    assert lifecycle.required_role("forfeited", "remitted") == "manager"
    assert lifecycle.required_role("active", "exonerated") == "agent"
