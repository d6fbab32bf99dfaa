"""The hash-chained event log of a signature request, and its verification.

Each event's hash is SHA-256 over the previous hash and a canonical JSON of the event, so editing,
reordering or deleting any row breaks every hash after it. The chain's head at signing is printed
on the certificate page of the signed PDF, so a copy held by the signer anchors it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bbp.accounts import utcnow
from bbp.audit.services import request_origin
from bbp.extensions import db
from bbp.signatures.models import SignatureEvent, SignatureRequest

GENESIS = "0" * 64
# The status each closing event leaves; any other last event means the request is still open.
FINAL = {
    "completed": "signed",
    "declined": "declined",
    "expired": "expired",
    "cancelled": "cancelled",
}


def recorded(request: SignatureRequest) -> dict[str, str]:
    """What the "created" event pins down about a request besides its document hash."""
    return {
        "signer": request.signer_name,
        "signer_role": request.signer_role,
        "phone": request.phone,
        "email": request.email,
        "title": request.title,
    }


def digest(data: bytes) -> str:
    """SHA-256 of bytes, as hex."""
    return hashlib.sha256(data).hexdigest()


def stamp(moment: datetime | None) -> str | None:
    """A timestamp as canonical UTC text (microseconds kept), for hashing and comparing."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def _canonical(request_id: int, event: SignatureEvent) -> bytes:
    body = {
        "request": request_id,
        "seq": event.seq,
        "kind": event.kind,
        "at": stamp(event.at),
        "ip": event.ip,
        "user_agent": event.user_agent,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(request_id: int, event: SignatureEvent, prev_hash: str) -> str:
    """The hash of one event chained to the one before it."""
    return digest(prev_hash.encode() + b"|" + _canonical(request_id, event))


def append(
    request: SignatureRequest, kind: str, data: dict[str, Any] | None = None
) -> SignatureEvent:
    """Add the next event, with the request's IP and user agent; the caller commits."""
    # The row lock orders writers (a reminder job, a second tab) and the refresh sees their events.
    db.session.execute(
        select(SignatureRequest.id).where(SignatureRequest.id == request.id).with_for_update()
    )
    db.session.refresh(request, ["events"])
    last = request.events[-1] if request.events else None
    ip, user_agent = request_origin()
    event = SignatureEvent(
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        at=_now_micros(),
        ip=ip,
        user_agent=(user_agent or "")[:400] or None,
        data=data or {},
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = event_hash(request.id, event, event.prev_hash)
    request.events.append(event)
    db.session.flush()
    return event


def _now_micros() -> datetime:
    return utcnow().astimezone(UTC)


def problems(request: SignatureRequest) -> list[str]:
    """Everything wrong with a request's evidence; an empty list means the chain is intact."""
    found, prev = [], GENESIS
    for position, event in enumerate(request.events, start=1):
        if event.seq != position:
            found.append(f"Event {position} is missing or out of order.")
        if event.prev_hash != prev or event.hash != event_hash(request.id, event, prev):
            found.append(f"Event {event.seq} ({event.kind}) was altered after it was recorded.")
        prev = event.hash
    created = next((e for e in request.events if e.kind == "created"), None)
    if created is None or created.data.get("document_sha256") != request.document_sha256:
        found.append("The document's fingerprint does not match the one recorded when it was sent.")
    elif any(created.data.get(name, value) != value for name, value in recorded(request).items()):
        found.append("The signer or the document title differs from what was recorded when sent.")
    last = request.events[-1].kind if request.events else None
    if FINAL.get(last, "open") != (request.status if request.status in FINAL.values() else "open"):
        found.append("The request's status does not match its last recorded event.")
    completed = next((e for e in request.events if e.kind == "completed"), None)
    if request.signed_sha256 and (
        completed is None or completed.data.get("signed_sha256") != request.signed_sha256
    ):
        found.append("The signed document's fingerprint does not match the recorded one.")
    if completed is not None and completed.data.get("completed_at") != stamp(request.completed_at):
        found.append("The signing time differs from the recorded one.")
    return found


def head(request: SignatureRequest) -> str:
    """The hash of the latest event."""
    return request.events[-1].hash if request.events else GENESIS
