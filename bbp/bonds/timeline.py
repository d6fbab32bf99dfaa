"""A bond's timeline: status changes, payments, court dates and outcomes, collateral, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bbp.bonds.models import STATUS_LABELS, Bond, BondNote
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.payments.models import Payment
from bbp.payments.services import LABELS

OUTCOMES = {
    "appeared": "appeared in court",
    "continued": "court date continued",
    "failed_to_appear": "failed to appear",
}


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    at: datetime
    kind: str  # status, payment, court, collateral, note
    text: str
    who: str = ""


def _status(bond: Bond) -> list[Event]:
    return [
        Event(
            c.changed_at,
            "status",
            (f"{STATUS_LABELS.get(c.from_status, 'New')} → " if c.from_status else "")
            + STATUS_LABELS[c.to_status]
            + (f": {c.reason}" if c.reason else ""),
            c.changed_by_label,
        )
        for c in bond.history
    ]


def _payments(bond: Bond) -> list[Event]:
    events = []
    for p in db.session.scalars(select(Payment).where(Payment.bond_id == bond.id)):
        events.append(
            Event(
                p.received_at,
                "payment",
                f"{LABELS[p.kind]} ${p.amount:,.2f} "
                f"({LABELS[p.method]}), receipt {p.receipt_number}, from "
                f"{p.payer_name}",
            )
        )
        if p.voided_at:
            events.append(
                Event(p.voided_at, "payment", f"Receipt {p.receipt_number} voided: {p.void_reason}")
            )
    return events


def _court(bond: Bond) -> list[Event]:
    events = []
    for d in db.session.scalars(select(CourtDate).where(CourtDate.bond_id == bond.id)):
        events.append(
            Event(
                d.created_at,
                "court",
                f"Court date set: {d.kind} on "
                f"{d.starts_at:%b %-d, %Y}" + (f" at {d.court_name}" if d.court_name else ""),
            )
        )
        if d.outcome and d.outcome_recorded_at:
            events.append(
                Event(
                    d.outcome_recorded_at, "court", f"{d.starts_at:%b %-d}: {OUTCOMES[d.outcome]}"
                )
            )
    return events


def _collateral(bond: Bond) -> list[Event]:
    events = []
    for c in db.session.scalars(select(Collateral).where(Collateral.bond_id == bond.id)):
        events.append(
            Event(
                c.received_at,
                "collateral",
                f"Collateral received: {c.description} ({c.receipt_number})",
            )
        )
        if c.returned_at:
            events.append(
                Event(
                    c.returned_at,
                    "collateral",
                    f"Collateral {c.receipt_number} returned to {c.returned_to}",
                )
            )
    return events


def _notes(bond: Bond) -> list[Event]:
    return [
        Event(n.created_at, "note", n.body, n.author_label)
        for n in db.session.scalars(select(BondNote).where(BondNote.bond_id == bond.id))
    ]


def events(bond: Bond) -> list[Event]:
    """Everything that happened to a bond, newest first."""
    found = [*_status(bond), *_payments(bond), *_court(bond), *_collateral(bond), *_notes(bond)]
    return sorted(found, key=lambda e: e.at, reverse=True)
