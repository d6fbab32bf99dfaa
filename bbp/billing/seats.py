"""Staff seats: how many the agency's plan includes, how many are in use, and the refusal of
one more. An agency without a billing row (no plan) has no limit (docs/billing.md, "Seats")."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g
from sqlalchemy import func, select

from bbp.auth.models import User
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.staff import services as staff
from bbp.tenancy import require_tenant


@dataclass(frozen=True)
class Seats:
    """Seats in use (active staff, pending invitations included) against the plan's."""

    used: int
    included: int

    @property
    def full(self) -> bool:
        return self.used >= self.included


def seats_in_use() -> int:
    """Active staff accounts of the bound agency: joined, or invited and not yet joined."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.active)) or 0


def included_seats(tenant_id: int) -> int | None:
    """The seats the agency's plan includes, or None when it is on no plan (no limit)."""
    account = db.session.get(BillingAccount, tenant_id)
    return account.plan.included_seats if account is not None else None


def seats() -> Seats | None:
    """The bound agency's seats, or None when its plan sets no limit."""
    included = included_seats(require_tenant().id)
    return None if included is None else Seats(seats_in_use(), included)


def refuse_beyond_plan() -> None:
    """Refuse one more active staff account when every seat of the plan is taken."""
    count = seats()
    if count is not None and count.full:
        raise DomainError(
            f"Your plan includes {count.included} staff "
            f"{'seat' if count.included == 1 else 'seats'} and all are in use.",
            "email",
        )


def _seats_for_templates() -> Seats | None:
    if g.get("site") != "tenant" or g.get("tenant") is None:
        return None
    return seats()


def init_app(app: Flask) -> None:
    """Put the plan's limit in the staff rules, and the count in staff templates."""
    if refuse_beyond_plan not in staff.SEAT_CHECKS:
        staff.SEAT_CHECKS.append(refuse_beyond_plan)
    app.context_processor(lambda: {"plan_seats": _seats_for_templates})
