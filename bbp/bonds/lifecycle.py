"""The bond status lifecycle: which moves are allowed, which need a role or a reason."""

from __future__ import annotations

from bbp.bonds.models import STATUS_LABELS

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "quote": ("application", "cancelled"),
    "application": ("quote", "written", "cancelled"),
    "written": ("active", "cancelled"),
    "active": ("exonerated", "forfeited", "surrendered"),
    "forfeited": ("reinstated", "remitted", "judgment_paid"),
    "reinstated": ("exonerated", "forfeited", "surrendered"),
    "surrendered": ("exonerated",),
    "exonerated": (),
    "remitted": (),
    "judgment_paid": (),
    "cancelled": (),
}
# Moves that undo or settle money need more than an agent.
ROLE_FOR = {"reinstated": "manager", "remitted": "manager", "judgment_paid": "manager"}
VOID_ROLE = "admin"  # cancelling a bond that is already written (voiding it)
NEEDS_REASON = ("cancelled", "forfeited", "reinstated", "remitted", "judgment_paid", "surrendered")
# Once here the surety is off the hook; collateral becomes due for return.
DISCHARGED = ("exonerated", "remitted", "judgment_paid", "cancelled")
# Written only through the write step, which executes a power.
WRITE = "written"


def required_role(current: str, target: str) -> str:
    """The least role that may move a bond from `current` to `target`."""
    if target == "cancelled" and current == "written":
        return VOID_ROLE
    return ROLE_FOR.get(target, "agent")


def refusal(current: str, target: str, reason: str) -> str | None:
    """Why this move is refused, in words for the user; None when it is allowed."""
    if target not in STATUS_LABELS:
        return "Unknown status."
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(STATUS_LABELS[s] for s in TRANSITIONS[current]) or "nothing"
        return (
            f"A bond that is {STATUS_LABELS[current].lower()} cannot become "
            f"{STATUS_LABELS[target].lower()}. From here it can become: {allowed}."
        )
    if target == WRITE:
        return "Write the bond from its review step, which executes a power of attorney."
    if target in NEEDS_REASON and not reason.strip():
        return f"Say why the bond becomes {STATUS_LABELS[target].lower()}."
    return None
