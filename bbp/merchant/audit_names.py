"""The audit log names autopay enrollments, online payments and refunds by their bond: "Ray Doe's
bond B-000012"."""

from __future__ import annotations

from sqlalchemy import select

from bbp.audit import subjects
from bbp.extensions import db
from bbp.merchant.models import AutopayEnrollment, OnlinePayment, Refund
from bbp.merchant.money import dollars


def _enrollments(ids: set[int]) -> dict[int, subjects.Subject]:
    rows = list(db.session.scalars(select(AutopayEnrollment).where(AutopayEnrollment.id.in_(ids))))
    return subjects.on_bonds(rows, lambda row: row.bond_id, lambda row: "")


def _online_payments(ids: set[int]) -> dict[int, subjects.Subject]:
    rows = list(db.session.scalars(select(OnlinePayment).where(OnlinePayment.id.in_(ids))))
    return subjects.on_bonds(
        rows,
        lambda row: row.bond_id,
        lambda row: (
            f"the online payment of {dollars(row.amount_cents)}" if row.amount_cents else ""
        ),
    )


def _refunds(ids: set[int]) -> dict[int, subjects.Subject]:
    rows = db.session.execute(
        select(Refund, OnlinePayment.bond_id)
        .join(OnlinePayment, OnlinePayment.id == Refund.online_payment_id)
        .where(Refund.id.in_(ids))
    ).all()
    bond_of = {refund.id: bond_id for refund, bond_id in rows}
    return subjects.on_bonds(
        [refund for refund, _ in rows],
        lambda refund: bond_of[refund.id],
        lambda refund: f"the refund of {dollars(refund.amount_cents)}",
    )


subjects.register("autopayenrollment", _enrollments)
subjects.register("onlinepayment", _online_payments)
subjects.register("refund", _refunds)
