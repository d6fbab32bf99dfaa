"""When autopay works: which installments have an attempt due on the agency's day, the retry
days, and whether an attempt waits (for its webhook, or for another payment of the bond)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select

from bbp.bonds.models import COLLECTABLE, Bond
from bbp.extensions import db
from bbp.kernel.clock import agency_today, utcnow
from bbp.merchant.models import IN_FLIGHT, AutopayEnrollment, OnlinePayment
from bbp.payments.models import Instalment, PaymentPlan
from bbp.tenancy import require_tenant

RETRY_DAYS = (1, 3, 7)  # days after the due date a failed charge is tried again
STALE = timedelta(minutes=15)  # a `processing` attempt older than this was interrupted
RETRYABLE = ("retrying", "requires_action")


def due(today: date, now: datetime) -> list[int]:
    """Installments with an attempt due: first attempts (due today or within the retry window,
    not before autopay began), retries whose day came, and interrupted attempts."""
    live = and_(
        AutopayEnrollment.bond_id == PaymentPlan.bond_id,
        AutopayEnrollment.turned_off_at.is_(None),
        AutopayEnrollment.active_since.is_not(None),
    )
    began = func.date(func.timezone(_zone(), AutopayEnrollment.active_since))
    attempted = exists().where(
        OnlinePayment.source == "autopay", OnlinePayment.instalment_id == Instalment.id
    )
    first = (
        select(Instalment.id)
        .join(PaymentPlan, PaymentPlan.id == Instalment.plan_id)
        .join(AutopayEnrollment, live)
        .join(Bond, Bond.id == PaymentPlan.bond_id)
        .where(
            Instalment.due_on <= today,
            Instalment.due_on >= today - timedelta(days=RETRY_DAYS[-1]),
            Instalment.due_on >= began,
            Bond.status.in_(COLLECTABLE),
            ~attempted,
        )
    )
    enrolled = exists().where(  # retries stop with autopay (however it was turned off)
        AutopayEnrollment.id == OnlinePayment.autopay_id,
        AutopayEnrollment.turned_off_at.is_(None),
    )
    again = select(OnlinePayment.instalment_id).where(
        OnlinePayment.source == "autopay",
        OnlinePayment.instalment_id.is_not(None),
        enrolled,
        or_(
            and_(OnlinePayment.status.in_(RETRYABLE), OnlinePayment.next_attempt_on <= today),
            and_(OnlinePayment.status == "processing", OnlinePayment.updated_at < now - STALE),
        ),
    )
    ids = db.session.scalars(first.union(again).order_by("id")).all()
    return list(ids)


def _zone() -> str:
    return require_tenant().timezone


def waiting() -> bool:
    """An autopay charge not settled yet, or a payment in flight on a bond with autopay on."""
    in_flight = select(OnlinePayment.id).where(
        or_(
            and_(OnlinePayment.source == "autopay", OnlinePayment.status == "processing"),
            and_(
                OnlinePayment.status.in_(IN_FLIGHT),
                exists().where(
                    AutopayEnrollment.bond_id == OnlinePayment.bond_id,
                    AutopayEnrollment.turned_off_at.is_(None),
                    AutopayEnrollment.active_since.is_not(None),
                ),
            ),
        )
    )
    return db.session.scalar(in_flight.limit(1)) is not None


def attemptable(row: OnlinePayment | None) -> bool:
    """Whether a worker may take the installment's row now (none yet counts as yes)."""
    if row is None:
        return True
    if row.status in RETRYABLE:
        return row.next_attempt_on is not None and row.next_attempt_on <= agency_today()
    return row.status == "processing" and row.updated_at < utcnow() - STALE


def next_retry(due_on: date, attempts: int, today: date) -> date | None:
    """The day of the next try after `attempts` tries, None after the last."""
    if attempts > len(RETRY_DAYS):
        return None
    return max(due_on + timedelta(days=RETRY_DAYS[attempts - 1]), today + timedelta(days=1))
