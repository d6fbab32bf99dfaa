"""Numbers for the dashboard: liability, premium, balances, court dates, forfeitures, collateral."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from bbp.audit import log as audit_log
from bbp.auth.models import User
from bbp.bonds.models import COLLECTABLE, LIABLE, STATUS_LABELS, Bond
from bbp.checkins import services as checkins
from bbp.collateral import services as collateral
from bbp.courts import services as courts
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel.clock import agency_today, agency_zone
from bbp.payments.models import Payment
from bbp.payments.services import overdue_plans
from bbp.powers.models import Surety

RECENT_ACTIVITY = 8
ZERO = Decimal("0.00")


@dataclass
class Summary:
    """What the dashboard shows."""

    today: date
    liability: Decimal = ZERO
    liability_by_surety: list[tuple[str, Decimal]] = field(default_factory=list)
    bonds_by_status: list[tuple[str, int]] = field(default_factory=list)
    premium_written_month: Decimal = ZERO
    collected_month: Decimal = ZERO
    outstanding: Decimal = ZERO
    overdue_plans: list = field(default_factory=list)
    upcoming_court: list = field(default_factory=list)
    forfeiture_alerts: list = field(default_factory=list)
    collateral_due: list = field(default_factory=list)
    missed_checkins: int = 0
    active_staff: int = 0
    recent: list = field(default_factory=list)


def _month_start(today: date, zone: ZoneInfo) -> datetime:
    return datetime(today.year, today.month, 1, tzinfo=zone)


def _book(summary: Summary, zone: ZoneInfo) -> Decimal:
    """The figures that sum or count bonds, in one pass over the bonds table; returns what the
    collectable bonds owe before payments."""
    start = _month_start(summary.today, zone)
    statuses = list(STATUS_LABELS)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(Bond.bail_amount).filter(Bond.status.in_(LIABLE)), 0),
            func.coalesce(func.sum(Bond.premium).filter(Bond.written_at >= start), 0),
            func.coalesce(
                func.sum(Bond.premium + Bond.fees).filter(Bond.status.in_(COLLECTABLE)), 0
            ),
            *(func.count().filter(Bond.status == status) for status in statuses),
        )
    ).one()
    summary.liability, summary.premium_written_month, owed = row[:3]
    summary.bonds_by_status = [
        (STATUS_LABELS[status], n) for status, n in zip(statuses, row[3:], strict=True) if n
    ]
    rows = db.session.execute(
        select(func.coalesce(Surety.name, "No surety yet"), func.sum(Bond.bail_amount))
        .select_from(Bond)
        .join(Surety, Surety.id == Bond.surety_id, isouter=True)
        .where(Bond.status.in_(LIABLE))
        .group_by(Surety.name)
        .order_by(func.sum(Bond.bail_amount).desc())
    ).all()
    summary.liability_by_surety = [(name, amount) for name, amount in rows]
    return owed


def _money(summary: Summary, zone: ZoneInfo, owed: Decimal) -> None:
    """Collected this month and what is outstanding, in one pass over the ledger: the sum of
    each collectable bond's balance is what they owe less what was paid on them (a correlated
    sum per bond cost 35 ms at 10,000 bonds)."""
    signed = case((Payment.kind == "refund", -Payment.amount), else_=Payment.amount)
    collected, paid = db.session.execute(
        select(
            func.coalesce(
                func.sum(signed).filter(Payment.received_at >= _month_start(summary.today, zone)),
                0,
            ),
            func.coalesce(func.sum(signed).filter(Bond.status.in_(COLLECTABLE)), 0),
        )
        .select_from(Payment)
        .join(Bond, Bond.id == Payment.bond_id)
        .where(Payment.voided_at.is_(None), Payment.kind.in_(("premium", "fee", "refund")))
    ).one()
    summary.collected_month = collected
    summary.outstanding = owed - paid
    summary.overdue_plans = overdue_plans(summary.today, limit=10)


def _alerts(summary: Summary, zone: ZoneInfo) -> None:
    begin = datetime.combine(summary.today, datetime.min.time(), zone)
    summary.upcoming_court = list(
        db.session.scalars(
            select(CourtDate)
            .where(
                CourtDate.starts_at >= begin,
                CourtDate.starts_at < begin + timedelta(days=7),
                CourtDate.outcome.is_(None),
            )
            .order_by(CourtDate.starts_at)
            .limit(25)
        )
    )
    open_forfeitures = db.session.scalars(
        select(Forfeiture)
        .join(Bond)
        .where(Forfeiture.resolved_on.is_(None), Bond.status == "forfeited")
        .order_by(Forfeiture.forfeited_on)
    ).all()
    for forfeiture in open_forfeitures:
        upcoming = [
            d for d in courts.deadlines(forfeiture) if d.due <= summary.today + timedelta(days=30)
        ]
        if upcoming:
            summary.forfeiture_alerts.append((forfeiture, upcoming[0]))
    summary.collateral_due = collateral.due_for_return(summary.today)[:25]
    summary.missed_checkins = checkins.missed_recently()


def summary(today: date | None = None) -> Summary:
    """Everything the dashboard needs for the bound agency."""
    zone = agency_zone()
    result = Summary(today=today or agency_today())
    _money(result, zone, owed=_book(result, zone))
    _alerts(result, zone)
    result.active_staff = db.session.scalar(
        select(func.count()).where(User.active, User.password_hash.is_not(None))
    )
    result.recent = audit_log.recent(RECENT_ACTIVITY)
    return result
