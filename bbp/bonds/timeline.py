"""A bond's timeline: everything that happened to it and everyone on it, newest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds import page
from bbp.bonds.models import STATUS_LABELS, Bond, BondNote
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.kernel import changes
from bbp.kernel.clock import agency_zone, local
from bbp.kernel.held import Held
from bbp.messaging import queries as texts
from bbp.messaging.models import Message
from bbp.payments import entries
from bbp.payments.models import Payment
from bbp.payments.services import LABELS
from bbp.signatures.models import SignatureEvent, SignatureRequest
from bbp.tenancy import require_tenant

OUTCOMES = {
    "appeared": "appeared in court",
    "continued": "court date continued",
    "failed_to_appear": "failed to appear",
}
SIGNATURE_STEPS = {
    "sent": "sent to {signer} for signature",
    "sent again": "sent again to {signer}",
    "reminded": "reminder sent to {signer}",
    "viewed": "opened by {signer}",
    "signed": "signed by {signer}",
    "declined": "declined by {signer}",
    "cancelled": "withdrawn",
    "expired": "expired unsigned",
}
# One action can write several rows with the same timestamp (a failure to appear records the
# outcome, forfeits the bond and texts the cosigners): causes sort before their consequences.
KINDS = ("court", "status", "collateral", "payment", "autopay", "signature", "text", "note")
# Staff names (id -> name or email) per agency, per process; a minute at most, as held pages.
_staff: Held[dict[int, str]] = Held(limit=200, seconds=60)


@dataclass(frozen=True)
class Event:
    """One entry of the timeline."""

    at: datetime
    kind: str  # one of KINDS
    text: str
    who: str = ""
    row: int = 0  # the id of the row it comes from, which breaks ties

    @property
    def order(self) -> tuple[datetime, int, int]:
        """Exact time, then cause before consequence, then the order the rows were written."""
        return self.at, KINDS.index(self.kind), self.row


# Entries from features above bonds (the merchant's autopay), each a function of the bond.
SOURCES: list[Callable[[Bond], list[Event]]] = []


def _names(ids: set[int | None]) -> dict[int, str]:
    """Staff names (or emails) by user id: the whole agency's, held by the process until its
    next write (a rename or a new account is a write), so a bond page seen for the first time
    does not ask for them again."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    tenant = require_tenant()
    key, version = (tenant.id, tenant.schema), changes.version()
    names = _staff.get(key, version)
    if names is None or not wanted <= names.keys():
        rows = db.session.execute(select(User.id, User.name, User.email))
        names = {id_: name or email for id_, name, email in rows}
        _staff.put(key, version, names)
    return names


def forget() -> None:
    """Drop every held list of staff names of this process (tests)."""
    _staff.clear()


def _status(bond: Bond, staff: dict[int, str]) -> list[Event]:
    return [
        Event(
            c.changed_at,
            "status",
            (f"{STATUS_LABELS.get(c.from_status, 'New')} → " if c.from_status else "")
            + STATUS_LABELS[c.to_status]
            + (f": {c.reason}" if c.reason else ""),
            staff.get(c.changed_by_id, c.changed_by_label),
            c.id,
        )
        for c in bond.history
    ]


def _payment(p: Payment, facts: dict[int, entries.Online]) -> str:
    """The line of one entry: "Premium $100.00 (Cash), receipt R-000001, from Rosa", and for money
    going back "Refund $40.00 to Rosa (Refund to the card, Visa ending in 4242), receipt …"."""
    how, receipt = entries.how(p, facts), p.receipt_number
    if p.kind == "refund":
        return f"Refund ${p.amount:,.2f} to {p.payer_name} ({how}), receipt {receipt}"
    return f"{LABELS[p.kind]} ${p.amount:,.2f} ({how}), receipt {receipt}, from {p.payer_name}"


def _payments(
    rows: list[Payment], facts: dict[int, entries.Online], staff: dict[int, str]
) -> list[Event]:
    events = []
    for p in rows:
        events.append(
            Event(
                p.received_at, "payment", _payment(p, facts), staff.get(p.received_by_id, ""), p.id
            )
        )
        if p.voided_at:
            events.append(
                Event(
                    p.voided_at,
                    "payment",
                    f"Receipt {p.receipt_number} voided: {p.void_reason}",
                    staff.get(p.voided_by_id, ""),
                    p.id,
                )
            )
    return events


def _court(rows: list[CourtDate], zone: ZoneInfo) -> list[Event]:
    events = []
    for d in rows:
        starts = local(d.starts_at, zone)
        where = f" at {d.court_name}" if d.court_name else ""
        events.append(
            Event(
                d.created_at,
                "court",
                f"Court date set: {d.kind} on {starts:%b %-d, %Y}{where}",
                row=d.id,
            )
        )
        if d.outcome and d.outcome_recorded_at:
            events.append(
                Event(
                    d.outcome_recorded_at,
                    "court",
                    f"{starts:%b %-d}: {OUTCOMES[d.outcome]}",
                    row=d.id,
                )
            )
    return events


def _collateral(rows: list[Collateral]) -> list[Event]:
    events = []
    for c in rows:
        events.append(
            Event(
                c.received_at,
                "collateral",
                f"Collateral received: {c.description} ({c.receipt_number})",
                row=c.id,
            )
        )
        if c.returned_at:
            events.append(
                Event(
                    c.returned_at,
                    "collateral",
                    f"Collateral {c.receipt_number} returned to {c.returned_to}",
                    row=c.id,
                )
            )
    return events


def _signatures(requests: list[SignatureRequest]) -> list[Event]:
    if not requests:
        return []
    by_id = {r.id: r for r in requests}
    rows = db.session.scalars(
        select(SignatureEvent)
        .where(SignatureEvent.request_id.in_(by_id), SignatureEvent.kind.in_(SIGNATURE_STEPS))
        .order_by(SignatureEvent.id)
    )
    events, sent = [], set()
    for event in rows:
        request = by_id[event.request_id]
        kind = "sent again" if event.kind == "sent" and request.id in sent else event.kind
        sent.add(request.id)
        step = SIGNATURE_STEPS[kind].format(signer=request.signer_name)
        if kind == "declined" and request.decline_reason:
            step += f": {request.decline_reason}"
        events.append(Event(event.at, "signature", f"{request.title} {step}", row=event.id))
    return events


def _texts(bond: Bond, messages: list[Message], staff: dict[int, str]) -> list[Event]:
    names = {
        texts.number(c.indemnitor.phone): f"{c.indemnitor.full_name} (cosigner)"
        for c in bond.cosigners
    }
    names[texts.number(bond.defendant.phone)] = f"{bond.defendant.full_name} (defendant)"
    events = []
    for m in messages:
        person = names.get(m.phone, m.phone)
        line = (
            f"{m.purpose_label} from {person}"
            if m.direction == "in"
            else (f"{m.purpose_label} to {person}")
        )
        status = (
            ""
            if m.status in ("queued", "sending", "sent", "delivered", "received")
            else (f" ({m.status.replace('_', ' ')})")
        )
        events.append(
            Event(
                m.sent_at or m.created_at,
                "text",
                f"{line}{status}: {m.shown_body}",
                staff.get(m.sent_by_id, "automatic" if m.direction == "out" else ""),
                m.id,
            )
        )
    return events


def _notes(notes: list[BondNote], staff: dict[int, str]) -> list[Event]:
    return [
        Event(n.created_at, "note", n.body, staff.get(n.author_id, n.author_label), n.id)
        for n in notes
    ]


def events(bond: Bond, loaded: page.Loaded | None = None) -> list[Event]:
    """Everything that happened to a bond, newest first, from the rows the bond page loaded."""
    loaded = loaded or page.load(bond)
    notes = list(db.session.scalars(select(BondNote).where(BondNote.bond_id == bond.id)))
    staff = _names(
        {c.changed_by_id for c in bond.history}
        | {p.received_by_id for p in loaded.payments}
        | {p.voided_by_id for p in loaded.payments}
        | {m.sent_by_id for m in loaded.messages}
        | {n.author_id for n in notes}
    )
    found = [
        *_status(bond, staff),
        *_payments(loaded.payments, loaded.online, staff),
        *_court(loaded.court_dates, agency_zone()),
        *_collateral(loaded.collateral),
        *_signatures(loaded.signature_requests),
        *_texts(bond, loaded.messages, staff),
        *_notes(notes, staff),
    ]
    for source in SOURCES:
        found.extend(source(bond))
    return sorted(found, key=lambda e: e.order, reverse=True)
