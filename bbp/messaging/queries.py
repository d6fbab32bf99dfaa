"""Reading texts back: a bond's, a person's, the agency's latest (newest first, at most 100),
and how many were sent in a window."""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.messaging.services import MessagingError, e164


def _latest(condition) -> list[Message]:
    query = select(Message).where(condition).order_by(Message.id.desc()).limit(100)
    return list(db.session.scalars(query))


def number(phone: str | None) -> str | None:
    """The E.164 form of a phone as stored on a person; None when it is not a usable number."""
    with contextlib.suppress(MessagingError):
        return e164(phone or "")
    return None


def of_bond(bond) -> list[Message]:
    """Texts naming the bond, and those to or from its people naming no bond, newest first."""
    cosigners = [link.indemnitor for link in bond.cosigners]
    theirs = or_(
        Message.defendant_id == bond.defendant_id,
        Message.indemnitor_id.in_([c.id for c in cosigners]),
        Message.phone.in_({number(p.phone) for p in [bond.defendant, *cosigners]} - {None}),
    )
    return _latest(or_(Message.bond_id == bond.id, and_(Message.bond_id.is_(None), theirs)))


def outbox(limit: int = 100) -> list[Message]:
    """The agency's latest texts, for the development outbox."""
    return list(db.session.scalars(select(Message).order_by(Message.id.desc()).limit(limit)))


def of_defendant(defendant_id: int) -> list[Message]:
    """Texts to and from a defendant, newest first."""
    return _latest(Message.defendant_id == defendant_id)


def of_indemnitor(indemnitor_id: int) -> list[Message]:
    """Texts to a cosigner, newest first."""
    return _latest(Message.indemnitor_id == indemnitor_id)


def sent_between(start: datetime, end: datetime | None = None, session=None) -> tuple[int, int]:
    """Outgoing texts of the bound agency handed to the provider in [start, end), and their
    segments (what the usage snapshot shows and what billing counts)."""
    window = [Message.direction == "out", Message.sent_at >= start]
    if end is not None:
        window.append(Message.sent_at < end)
    texts, segments = (
        (session or db.session)
        .execute(select(func.count(), func.coalesce(func.sum(Message.segments), 0)).where(*window))
        .one()
    )
    return int(texts), int(segments)
