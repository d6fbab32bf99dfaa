"""What every intake step shares: the steps, the bond id in URLs, and how a step renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bbp.bonds import lifecycle
from bbp.web.rendering import render

ID = "<int(max=2147483647):bond_id>"
STEPS = (
    ("charges", "Charges"),
    ("cosigners", "Cosigners"),
    ("premium", "Premium and plan"),
    ("review", "Review and write"),
)


@dataclass(frozen=True)
class Preview:
    """A plan's schedule: the down payment and installments, or why there are none yet."""

    down_payment: Decimal = Decimal("0")
    rows: list[tuple[date, Decimal]] = field(default_factory=list)
    problem: str = ""

    @classmethod
    def of(cls, plan) -> Preview | None:
        """The schedule of a saved plan (None without one)."""
        if plan is None:
            return None
        return cls(plan.down_payment, [(i.due_on, i.amount) for i in plan.instalments])


def render_step(template: str, bond, step: str, status: int = 200, partial=None, **context):
    """An intake step page (or its partial for htmx), told whether the bond's terms may change."""
    return render(
        f"bonds/intake/{template}",
        partial,
        bond=bond,
        step=step,
        steps=STEPS,
        status=status,
        terms_lock=lifecycle.terms_lock(bond.status),
        plan_lock=lifecycle.plan_lock(bond.status),
        **context,
    )
