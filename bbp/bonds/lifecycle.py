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


# Charges, premium and cosigners are the terms the power is executed on.
TERMS_OPEN = ("quote", "application")
# The payment plan follows the money, which is owed as long as the bond stands.
PLAN_OPEN = (*TERMS_OPEN, "written", "active", "reinstated")


def terms_lock(status: str) -> str | None:
    """Why a bond's terms cannot change in this status and what would allow it; None if they can."""
    if status in TERMS_OPEN:
        return None
    head = (
        f"This bond is {STATUS_LABELS[status].lower()}: its charges, premium and cosigners can "
        "no longer change. They change only while a bond is a quote or an application."
    )
    if status == WRITE:
        return (
            f"{head} To change them, cancel (void) this bond, which voids its power too (an "
            f"{VOID_ROLE} or above can), and write a new bond with the new terms."
        )
    if status == "cancelled":
        return f"{head} A canceled bond stays as it was: start a new bond to write it again."
    return (
        f"{head} Only a bond that is still written can be voided, so these terms stay as they "
        "are: start a new bond if the case needs new ones."
    )


def plan_lock(status: str) -> str | None:
    """Why a bond's payment plan cannot change in this status and what would allow it."""
    if status in PLAN_OPEN:
        return None
    head = (
        f"This bond is {STATUS_LABELS[status].lower()}: its payment plan can no longer change. "
        "A plan changes only while a bond is a quote, an application, written, active or "
        "reinstated."
    )
    reopen = [s for s in TRANSITIONS[status] if s in PLAN_OPEN]
    if not reopen:
        return head
    moves = " or ".join(
        f"{STATUS_LABELS[s].lower()} (by a {required_role(status, s)} or above)" for s in reopen
    )
    return f"{head} Once the bond is {moves}, its plan can change again."
