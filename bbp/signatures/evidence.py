"""The hash-chained event log of a signature request, and its verification.

Each event's hash is SHA-256 over the previous hash and a canonical JSON of the event, so editing,
reordering or deleting any row breaks every hash after it. Every field of the request that gives
the signature its meaning is recorded by an event (PINS), so editing the request row shows too.
The chain's head at signing is printed on the certificate page of the signed PDF, so a copy held
by the signer anchors it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bbp.audit.services import request_origin
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.signatures.models import SignatureEvent, SignatureRequest

GENESIS = "0" * 64
# The status each closing event leaves; any other last event means the request is still open.
FINAL = {
    "completed": "signed",
    "declined": "declined",
    "expired": "expired",
    "cancelled": "cancelled",
}


# Every field that gives a signature its meaning: the event data key that records it, and what
# staff read when the request no longer matches. A key that no event recorded means "unset".
PINS = {
    "bond_id": "The bond",
    "template_kind": "The kind of document",
    "title": "The document title",
    "body_sha256": "The document text",
    "document_key": "The stored original document",
    "document_sha256": "The document's fingerprint",
    "defendant_id": "The signer (defendant)",
    "indemnitor_id": "The signer (cosigner)",
    "signer": "The signer's name",
    "signer_role": "The signer's role",
    "phone": "The phone the link was texted to",
    "email": "The email the link was sent to",
    "consent_sha256": "The consent text's fingerprint",
    "signature": "The kind of signature",
    "signed_key": "The stored signed document",
    "signed_sha256": "The signed document's fingerprint",
    "completed_at": "The signing time",
    "reason": "The reason for declining",
}
# The one pin a later event may legitimately change: a signer who consents again before signing.
REPLACEABLE = ("consent_sha256", "consented", False)


def pinned(request: SignatureRequest) -> dict[str, Any]:
    """The request's meaningful fields as the evidence records them (unset ones left out)."""
    values = {
        "bond_id": request.bond_id,
        "template_kind": request.template_kind,
        "title": request.title,
        "body_sha256": digest(request.body.encode()),
        "document_key": request.document_key,
        "document_sha256": request.document_sha256,
        "defendant_id": request.defendant_id,
        "indemnitor_id": request.indemnitor_id,
        "signer": request.signer_name,
        "signer_role": request.signer_role,
        "phone": request.phone,
        "email": request.email,
        "consent_sha256": request.consent_sha256,
        "signature": request.signature_kind,
        "signed_key": request.signed_key,
        "signed_sha256": request.signed_sha256,
        "completed_at": stamp(request.completed_at),
        "reason": request.decline_reason or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def pins(request: SignatureRequest, *keys: str) -> dict[str, Any]:
    """The current values of some pinned fields, for the event that sets them."""
    values = pinned(request)
    return {key: values[key] for key in keys if key in values}


def _recorded(events: list[SignatureEvent]) -> tuple[dict[str, Any], list[str]]:
    """Each pinned field's value as first recorded, and every later event that contradicts it.

    A pin, once recorded, holds: an event appended later (a forged "pinned" one included) cannot
    move a signature to another bond or signer. Only a fresh consent may replace the consent's
    fingerprint, and only while the request is still open.
    """
    found: dict[str, Any] = {}
    conflicts: list[str] = []
    closed = False
    for event in events:
        for key, value in event.data.items():
            if key not in PINS:
                continue
            if key not in found or (key, event.kind, closed) == REPLACEABLE:
                found[key] = value
            elif found[key] != value:
                conflicts.append(
                    f"Event {event.seq} ({event.kind}) records {PINS[key].lower()} again, changed."
                )
        closed = closed or event.kind in FINAL
    return found, conflicts


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
    recorded, conflicts = _recorded(request.events)
    found.extend(conflicts)
    current = pinned(request)
    for key, label in PINS.items():
        if recorded.get(key) != current.get(key):
            found.append(f"{label} differs from what the evidence recorded.")
    last = next((e.kind for e in reversed(request.events) if e.kind != "pinned"), None)
    if FINAL.get(last, "open") != (request.status if request.status in FINAL.values() else "open"):
        found.append("The request's status does not match its last recorded event.")
    return found


def head(request: SignatureRequest) -> str:
    """The hash of the latest event."""
    return request.events[-1].hash if request.events else GENESIS
