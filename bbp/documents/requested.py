"""Documents the agency asks a defendant or cosigner for, and the files they send back."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from bbp.audit.services import record
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.defendants.models import Defendant
from bbp.documents.models import DOC_TYPES, REQUEST_STATUS_WORDS, DocumentRequest
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel import storage
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.tenancy import require_tenant

DOC_TYPE_LABELS = {
    "photo_id": "Photo ID",
    "proof_of_income": "Proof of income",
    "proof_of_address": "Proof of address",
    "court_papers": "Court papers",
    "other": "Other document",
}
MAX_NOTE = 500
PERSON_KINDS = {"defendant": Defendant, "cosigner": Indemnitor}


def person_ref(person: Defendant | Indemnitor) -> dict[str, Any]:
    """The {"kind", "id"} dict naming a defendant or a cosigner (as portal sessions do)."""
    return {"kind": "cosigner" if isinstance(person, Indemnitor) else "defendant", "id": person.id}


def bonds_of(person: Defendant | Indemnitor) -> list[Bond]:
    """The bonds a request for this person may be tied to, newest first."""
    query = select(Bond).order_by(Bond.id.desc())
    if isinstance(person, Indemnitor):
        query = query.join(BondIndemnitor).where(BondIndemnitor.indemnitor_id == person.id)
    else:
        query = query.where(Bond.defendant_id == person.id)
    return list(db.session.scalars(query))


@atomic
def request_document(
    person: Defendant | Indemnitor, doc_type: str, note: str, bond: Bond | None, by
) -> DocumentRequest:
    """Ask a defendant or cosigner for one document, optionally for one of their bonds."""
    if doc_type not in DOC_TYPES:
        raise DomainError("Choose which document you need.", "doc_type")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"Keep the note to {MAX_NOTE} characters.", "note")
    if bond is not None and bond.id not in {b.id for b in bonds_of(person)}:
        raise DomainError(f"{person.full_name} is not on that bond.", "bond_id")
    is_cosigner = isinstance(person, Indemnitor)
    item = DocumentRequest(
        defendant_id=None if is_cosigner else person.id,
        indemnitor_id=person.id if is_cosigner else None,
        bond_id=bond.id if bond else None,
        doc_type=doc_type,
        note=note,
        status="requested",
        requested_by_id=getattr(by, "id", None),
    )
    db.session.add(item)
    db.session.flush()
    after = {"person": person_ref(person), "doc_type": doc_type, "note": note}
    record("document.requested", item, after=after | {"bond_id": item.bond_id}, actor=by)
    return item


def _locked(item: DocumentRequest) -> DocumentRequest:
    """The request re-read under a row lock, so a cancel and an upload never both win."""
    db.session.execute(
        select(DocumentRequest.id).where(DocumentRequest.id == item.id).with_for_update()
    )
    db.session.refresh(item)
    return item


@atomic
def cancel(item: DocumentRequest, by) -> DocumentRequest:
    """Withdraw a request that has not been answered yet."""
    item = _locked(item)
    if item.status != "requested":
        raise DomainError(f"This request is already {REQUEST_STATUS_WORDS[item.status]}.")
    item.status = "cancelled"
    record(
        "document.request_cancelled",
        item,
        before={"status": "requested"},
        after={"status": "cancelled"},
        actor=by,
    )
    return item


def receive(item: DocumentRequest, data: bytes, filename: str, actor_label: str) -> DocumentRequest:
    """Store the file sent for a request (type sniffed from its bytes, size-limited); close it."""
    try:
        content_type, extension = storage.check_upload(data, storage.DOCUMENT)
    except storage.UploadError as exc:
        raise DomainError(str(exc), "file") from None
    item = _locked(item)
    if item.status == "cancelled":
        raise DomainError("The agency no longer needs this document.", "file")
    if item.status == "received":
        raise DomainError("This document was already received.", "file")
    backend = storage.storage_from_config(current_app.config)
    key = storage.new_key("documents", extension)
    backend.save(require_tenant().slug, key, data, content_type)
    item.storage_key, item.content_type, item.size_bytes = key, content_type, len(data)
    item.sha256, item.status, item.received_at = (
        hashlib.sha256(data).hexdigest(),
        "received",
        utcnow(),
    )
    after = {
        "status": "received",
        "filename": (filename or "")[:200],
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": item.sha256,
    }
    record(
        "document.received", item, before={"status": "requested"}, after=after, actor=actor_label
    )
    try:
        db.session.commit()
    except Exception:
        backend.delete(require_tenant().slug, key)
        raise
    return item


def file_bytes(item: DocumentRequest) -> bytes:
    """The stored file of a received request."""
    backend = storage.storage_from_config(current_app.config)
    return backend.load(require_tenant().slug, item.storage_key)


def _ids(people: list[dict[str, Any]], kind: str) -> set[int]:
    # type() and not isinstance(): True is an int, and must not stand for id 1.
    return {p.get("id") for p in people if p.get("kind") == kind and type(p.get("id")) is int}


def _people_filter(people: list[dict[str, Any]]):
    people = [p for p in people if isinstance(p, dict)]
    return or_(
        DocumentRequest.defendant_id.in_(_ids(people, "defendant")),
        DocumentRequest.indemnitor_id.in_(_ids(people, "cosigner")),
    )


def requests_for(people: list[dict[str, Any]], statuses: tuple[str, ...] | None = None):
    """Requests for these people ({"kind": "defendant"|"cosigner", "id": n}), newest first."""
    query = select(DocumentRequest).where(_people_filter(people))
    if statuses:
        query = query.where(DocumentRequest.status.in_(statuses))
    return list(db.session.scalars(query.order_by(DocumentRequest.id.desc())))


def open_requests_for(people: list[dict[str, Any]]) -> list[DocumentRequest]:
    """Requests still waiting for a file from these people, newest first."""
    return requests_for(people, ("requested",))


def person_of(item: DocumentRequest) -> Defendant | Indemnitor:
    """The defendant or cosigner a request was made to."""
    if item.defendant_id is not None:
        return db.session.get(Defendant, item.defendant_id)
    return db.session.get(Indemnitor, item.indemnitor_id)
