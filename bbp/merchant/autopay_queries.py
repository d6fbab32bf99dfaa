"""What the autopay pages read: who pays on a bond, its charges, and the bonds whose autopay
needs someone (a charge retrying, waiting for the cardholder, or failed and still unpaid)."""

from __future__ import annotations

from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel import phones
from bbp.kernel.clock import agency_today
from bbp.merchant.enrollment import instalment_lines, unpaid_of
from bbp.merchant.models import AutopayEnrollment, OnlinePayment
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.portal import people
from bbp.web.rendering import Page

TROUBLE = ("retrying", "requires_action", "failed")
PER_PAGE = 20


def payer_of(refs: list[people.Ref], bond: Bond) -> tuple[dict, str, str]:
    """The portal visitor as this bond's payer: their reference, name and phone (or email)."""
    if people.role_on(refs, bond) == "defendant":
        ref = {"kind": "defendant", "id": bond.defendant_id}
    else:
        on_bond = {c.indemnitor_id for c in bond.cosigners}
        ref = next(r for r in refs if r.get("kind") == "cosigner" and r["id"] in on_bond)
    person = people.load([ref])[0]
    contact = phones.e164(person.phone or "") or (person.email or "")
    return ref, person.full_name, contact


def card_payment(row: AutopayEnrollment | None) -> tuple[OnlinePayment, Payment | None] | None:
    """The payment whose Checkout saved the enrollment's card, with its receipt once entered
    (None when the card was saved on the autopay page). Only a payment on the enrollment's own
    bond: the session id came from Stripe, whose metadata the agency's Stripe users can write."""
    if row is None or not row.card_session_id:
        return None
    paid = db.session.scalar(
        select(OnlinePayment).where(
            OnlinePayment.checkout_session_id == row.card_session_id,
            OnlinePayment.bond_id == row.bond_id,
        )
    )
    if paid is None:
        return None
    return paid, db.session.get(Payment, paid.payment_id) if paid.payment_id else None


def charges(bond_id: int, limit: int = 10) -> list[OnlinePayment]:
    """The bond's autopay charges, newest first."""
    return list(
        db.session.scalars(
            select(OnlinePayment)
            .where(OnlinePayment.bond_id == bond_id, OnlinePayment.source == "autopay")
            .order_by(OnlinePayment.id.desc())
            .limit(limit)
        )
    )


def trouble(bond_id: int) -> OnlinePayment | None:
    """The bond's latest autopay charge that needs someone, if any."""
    rows = _troubled(OnlinePayment.bond_id == bond_id)
    return next((row for row in rows if _needs_someone(row)), None)


def troubled_bonds() -> list[tuple[Bond, OnlinePayment]]:
    """Every bond whose autopay needs someone, with that charge, newest trouble first."""
    found, seen, lines = [], set(), {}
    for row in _troubled():
        if row.bond_id not in seen and _needs_someone(row, lines):
            seen.add(row.bond_id)
            found.append((db.session.get(Bond, row.bond_id), row))
    return found


def troubled_page(number: int) -> Page:
    """One page of the bonds whose autopay needs someone."""
    found = troubled_bonds()
    start = (number - 1) * PER_PAGE
    return Page(found[start : start + PER_PAGE], number, PER_PAGE, len(found))


def _troubled(*where) -> list[OnlinePayment]:
    """Charges retrying, waiting for the payer, or failed, newest first (not all need someone)."""
    return list(
        db.session.scalars(
            select(OnlinePayment)
            .where(OnlinePayment.source == "autopay", OnlinePayment.status.in_(TROUBLE), *where)
            .order_by(OnlinePayment.updated_at.desc(), OnlinePayment.id.desc())
        )
    )


def _needs_someone(row: OnlinePayment, lines: dict | None = None) -> bool:
    """A failed charge whose installment is still unpaid; a retry only while autopay is on (a
    disconnected account turns autopay off without touching its charges)."""
    if row.status == "failed":
        return _unpaid(row, {} if lines is None else lines)
    enrolled = db.session.get(AutopayEnrollment, row.autopay_id) if row.autopay_id else None
    return enrolled is not None and enrolled.turned_off_at is None


def _unpaid(row: OnlinePayment, lines: dict) -> bool:
    instalment = db.session.get(Instalment, row.instalment_id) if row.instalment_id else None
    if instalment is None:
        return False
    plan = db.session.get(PaymentPlan, instalment.plan_id)
    bond = db.session.get(Bond, plan.bond_id)
    if plan.id not in lines:  # a plan's lines serve every failed charge of it
        lines[plan.id] = instalment_lines(bond, plan, agency_today())
    return unpaid_of(bond, plan, instalment, lines[plan.id]) > 0
