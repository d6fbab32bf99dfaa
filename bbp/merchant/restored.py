"""Online payments a restored copy cannot confirm: those still processing when the archive was
made. Their events reach the original agency only, so the copy ends them `unconfirmed` (they
never enter its ledger nor block its bonds' payments) and shows them to staff, who check the
original's Stripe Dashboard and enter what went through by hand (docs/payments-connect.md,
"Restored copies")."""

from __future__ import annotations

from sqlalchemy import select

from bbp.audit.services import record
from bbp.extensions import db
from bbp.merchant.models import OnlinePayment

UNCONFIRMED = "unconfirmed"
SOURCES = {"portal": "the portal", "pay_link": "a pay link", "autopay": "autopay"}


def why(origin: str) -> str:
    """What staff read beside such a payment."""
    return (
        f"Started before this copy was restored from an archive of {origin}; not confirmed "
        "here. Check the original agency's Stripe Dashboard, and record it by hand if it went "
        "through."
    )


def mark_unconfirmed(origin: str) -> int:
    """End the bound copy's processing payments `unconfirmed`, each with the reason and an
    audit entry ("restore"); in the caller's transaction. Returns how many."""
    reason = why(origin)
    rows = db.session.scalars(
        select(OnlinePayment).where(OnlinePayment.status == "processing").with_for_update()
    ).all()
    for row in rows:
        row.status, row.last_error, row.next_attempt_on = UNCONFIRMED, reason, None
        record(
            "merchant.payment_unconfirmed",
            row,
            before={"status": "processing"},
            after={"status": UNCONFIRMED, "reason": reason},
            actor="restore",
        )
    return len(rows)


def on_bond(bond_id: int) -> list[OnlinePayment]:
    """The bond's payments the copy could not confirm, newest first."""
    return list(
        db.session.scalars(
            select(OnlinePayment)
            .where(OnlinePayment.bond_id == bond_id, OnlinePayment.status == UNCONFIRMED)
            .order_by(OnlinePayment.id.desc())
        )
    )
