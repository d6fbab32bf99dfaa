"""The payments ledger: receipts without gaps, voids that keep their number, plan balances."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import lazyload, selectinload

from bbp.audit.services import record
from bbp.bonds.models import COLLECTABLE, Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.clock import agency_date, agency_today, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.numbering import next_number
from bbp.kernel.transactions import atomic
from bbp.payments import plans
from bbp.payments.models import ONLINE, Instalment, Payment, PaymentPlan

ZERO = Decimal("0.00")
# Called with the bond after each entry, in its transaction: a layer above (online payments)
# learns that what is owed changed without this package importing it.
RECORDED_HOOKS: list[Callable[[Bond], None]] = []
PREMIUM_KINDS = ("premium", "fee", "refund")  # what counts toward the premium balance
LABELS = {
    "premium": "Premium",
    "fee": "Fee",
    "collateral_cash": "Collateral cash",
    "refund": "Refund",
    "cash": "Cash",
    "check": "Check",
    "card_terminal": "Card (terminal)",
    "money_order": "Money order",
    "card_online": "Card (online)",
}


@dataclass(frozen=True)
class Standing:
    """Where a bond's premium account stands on a given day."""

    total_due: Decimal
    paid: Decimal
    balance: Decimal
    overdue: Decimal
    due_now: Decimal
    next_due_on: date | None
    next_due_amount: Decimal


@atomic
def record_payment(
    bond: Bond, kind: str, method: str, amount: Decimal, reference: str, payer_name: str, by
) -> Payment:
    """Enter a payment with the next receipt number (a rollback gives the number back)."""
    lock(bond)  # two refunds at once must not both fit under what was paid
    if bond.status in ("quote", "cancelled") and kind != "refund":
        raise DomainError(
            f"Bond {bond.number} is {bond.status_label.lower()}: take payments "
            "once it is an application or written."
        )
    if kind == "refund" and amount > paid_toward_premium(bond):
        raise DomainError("A refund cannot exceed what was paid toward the premium.", "amount")
    payment = Payment(
        bond_id=bond.id,
        receipt_number=f"R-{next_number('receipt'):06d}",
        kind=kind,
        method=method,
        amount=amount,
        reference=reference.strip(),
        payer_name=payer_name.strip(),
        received_at=utcnow(),
        received_by_id=by.id,
    )
    db.session.add(payment)
    db.session.flush()
    record(
        "payment.recorded",
        payment,
        after={
            "receipt": payment.receipt_number,
            "kind": kind,
            "method": method,
            "amount": str(amount),
            "bond": bond.number,
        },
    )
    _recorded(bond)
    return payment


def _recorded(bond: Bond) -> None:
    for hook in RECORDED_HOOKS:
        hook(bond)


@atomic
def record_confirmed(
    bond: Bond, kind: str, amount: Decimal, external_id: str, payer_name: str
) -> Payment:
    """Enter money Stripe confirmed (a payment or a refund) once: a second call for the same
    Stripe object returns the first entry, so a redelivered webhook adds nothing."""
    lock(bond)
    entered = db.session.scalar(select(Payment).where(Payment.external_id == external_id))
    if entered is not None:
        return entered
    # No status or balance check: the money has moved already, and the ledger must say so.
    payment = Payment(
        bond_id=bond.id,
        receipt_number=f"R-{next_number('receipt'):06d}",
        kind=kind,
        method=ONLINE,
        amount=amount,
        reference=external_id,
        payer_name=payer_name.strip()[:120],
        received_at=utcnow(),
        received_by_id=None,
        external_id=external_id,
    )
    db.session.add(payment)
    db.session.flush()
    record(
        "payment.recorded",
        payment,
        after={
            "receipt": payment.receipt_number,
            "kind": kind,
            "method": ONLINE,
            "amount": str(amount),
            "bond": bond.number,
            "stripe": external_id,
        },
        actor="Stripe",
    )
    _recorded(bond)
    return payment


@atomic
def void(payment: Payment, reason: str, by) -> Payment:
    """Void a payment: it keeps its receipt number and shows as void everywhere."""
    if not reason.strip():
        raise DomainError("Say why the payment is void.", "reason")
    lock(payment.bond)
    db.session.refresh(payment)  # under the bond's lock, so a void made meanwhile is seen
    if payment.voided_at:
        raise DomainError(f"Receipt {payment.receipt_number} is already void.")
    if payment.method == ONLINE:  # the ledger must keep agreeing with Stripe
        raise DomainError(
            f"Receipt {payment.receipt_number} was paid online: refund it through Stripe "
            "instead of voiding it.",
            "reason",
        )
    if payment.kind != "refund" and paid_toward_premium(payment.bond) - payment.amount < 0:
        raise DomainError(
            f"Void the refund first: voiding receipt {payment.receipt_number} "
            "would leave more refunded than paid.",
            "reason",
        )
    payment.voided_at, payment.voided_by_id, payment.void_reason = utcnow(), by.id, reason.strip()
    record(
        "payment.voided",
        payment,
        before={"voided": False},
        after={"voided": True, "reason": reason.strip()},
    )
    return payment


def paid_toward_premium(bond: Bond) -> Decimal:
    """Premium and fees paid, less refunds, void payments excluded."""
    rows = db.session.execute(
        select(Payment.kind, func.sum(Payment.amount))
        .where(
            Payment.bond_id == bond.id, Payment.voided_at.is_(None), Payment.kind.in_(PREMIUM_KINDS)
        )
        .group_by(Payment.kind)
    ).all()
    totals = dict(rows)
    return totals.get("premium", ZERO) + totals.get("fee", ZERO) - totals.get("refund", ZERO)


def standing(bond: Bond, plan: PaymentPlan | None, today: date) -> Standing:
    """Balance, what is due now and overdue today, and the next amount due."""
    return _standing(bond, plan, paid_toward_premium(bond), today)


def paid_in(ledger: list[Payment]) -> Decimal:
    """paid_toward_premium, counted from a bond's payments already loaded."""
    counted = [p for p in ledger if p.voided_at is None and p.kind in PREMIUM_KINDS]
    totals = {
        kind: sum((p.amount for p in counted if p.kind == kind), ZERO)
        for kind in ("premium", "fee", "refund")
    }
    return totals["premium"] + totals["fee"] - totals["refund"]


def standing_of_ledger(
    bond: Bond, plan: PaymentPlan | None, ledger: list[Payment], today: date
) -> Standing:
    """standing(), from the bond's payments already loaded (the bond page's ledger)."""
    return _standing(bond, plan, paid_in(ledger), today)


def due_now(bond: Bond) -> Decimal:
    """What the bond's payer owes today (the down payment right after writing)."""
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    return standing(bond, plan, agency_today()).due_now


def _standing(bond: Bond, plan: PaymentPlan | None, paid: Decimal, today: date) -> Standing:
    balance = bond.total_due - paid
    if bond.status not in COLLECTABLE:  # nothing is owed before writing or once cancelled
        return Standing(bond.total_due, paid, balance, ZERO, ZERO, None, ZERO)
    owed = plans.owed(_dues(bond, plan), paid, bond.total_due, today)
    return Standing(
        bond.total_due,
        paid,
        balance,
        owed.overdue,
        owed.due_now,
        owed.next_due_on,
        owed.next_due_amount,
    )


def _dues(bond: Bond, plan: PaymentPlan | None) -> list[tuple[date, Decimal]]:
    """Without a plan the whole premium and fees fall due the day the bond is written."""
    written_on = agency_date(bond.written_at or bond.created_at)
    if plan is None:
        return [(written_on, bond.total_due)]
    instalments = [(i.due_on, i.amount) for i in plan.instalments]
    return plans.dues(plan.down_payment, written_on, instalments)


@dataclass(frozen=True)
class PlanLine:
    """One amount of a payment plan, with how much of it the payments so far cover."""

    due_on: date | None  # None for the down payment, due the day the bond is written
    amount: Decimal
    paid: Decimal
    status: str  # "paid", "partly_paid", "due" or "overdue"

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid


def plan_lines(bond: Bond, plan: PaymentPlan, today: date) -> list[PlanLine]:
    """The down payment and each installment, paid in order as `standing` counts them.

    The dates are the one rule's (`plans.dues`): the down payment falls due the day the bond is
    written. A line is overdue when it is not fully paid and its day has passed; nothing due
    today is late, and nothing is late on a quote or a cancelled bond.
    """
    left, lines = max(paid_toward_premium(bond), ZERO), []
    late_possible = bond.status in COLLECTABLE
    down = plan.down_payment > 0
    for index, (due_on, amount) in enumerate(_dues(bond, plan)):
        covered = min(left, amount)
        left -= covered
        if covered >= amount:
            status = "paid"
        elif late_possible and due_on < today:
            status = "overdue"
        else:
            status = "partly_paid" if covered > 0 else "due"
        shown_on = None if down and index == 0 else due_on  # the portal labels it "Down payment"
        lines.append(PlanLine(shown_on, amount, covered, status))
    return lines


def ledger(bond: Bond) -> list[Payment]:
    """A bond's payments, newest first."""
    # The bond is already loaded: no join back to it (and its defendant) for every payment.
    stmt = select(Payment).options(lazyload(Payment.bond)).where(Payment.bond_id == bond.id)
    return list(db.session.scalars(stmt.order_by(Payment.id.desc())))


def overdue_plans(today: date, limit: int = 20) -> list[tuple[Bond, Decimal]]:
    """Bonds whose plan is behind today, with how much is overdue, largest first."""
    # SQL only narrows the plans to those with something unpaid among the down payment and the
    # installments due before today; `_standing` decides, so the dashboard and the bond page agree.
    due = (
        select(
            PaymentPlan.bond_id.label("bond_id"),
            (
                PaymentPlan.down_payment
                + func.coalesce(func.sum(Instalment.amount).filter(Instalment.due_on < today), 0)
            ).label("due"),
        )
        .join(Instalment, Instalment.plan_id == PaymentPlan.id, isouter=True)
        .group_by(PaymentPlan.id)
        .subquery()
    )
    signed = func.sum(case((Payment.kind == "refund", -Payment.amount), else_=Payment.amount))
    paid = (
        select(Payment.bond_id.label("bond_id"), signed.label("paid"))
        .where(Payment.voided_at.is_(None), Payment.kind.in_(PREMIUM_KINDS))
        .group_by(Payment.bond_id)
        .subquery()
    )
    paid_so_far = func.coalesce(paid.c.paid, 0)
    rows = db.session.execute(
        select(Bond, PaymentPlan, paid_so_far)
        .join(due, due.c.bond_id == Bond.id)
        .join(PaymentPlan, PaymentPlan.bond_id == Bond.id)
        .join(paid, paid.c.bond_id == Bond.id, isouter=True)
        .where(Bond.status.in_(COLLECTABLE), due.c.due > paid_so_far)
        .options(selectinload(PaymentPlan.instalments))
    ).all()
    behind = [(bond, _standing(bond, plan, amount, today).overdue) for bond, plan, amount in rows]
    behind = [(bond, overdue) for bond, overdue in behind if overdue > 0]
    return sorted(behind, key=lambda row: (-row[1], row[0].id))[:limit]


def balance_after(payment: Payment) -> Decimal:
    """The bond's balance right after this payment (for its receipt, whenever it is printed)."""
    signed = case((Payment.kind == "refund", -Payment.amount), else_=Payment.amount)
    paid = db.session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(
            Payment.bond_id == payment.bond_id,
            Payment.id <= payment.id,
            Payment.voided_at.is_(None),
            Payment.kind.in_(PREMIUM_KINDS),
        )
    )
    return payment.bond.total_due - paid
