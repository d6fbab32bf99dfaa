"""The signer's steps: prove who they are, consent, read, then sign or decline."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from bbp.audit import services as audit
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel import mail, ratelimit
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import AccessRefused, DomainError
from bbp.messaging import services as messaging
from bbp.portal import access, people
from bbp.portal.models import PortalSession
from bbp.portal.services import PortalActor
from bbp.signatures import consent, evidence
from bbp.signatures import pdfs as rendering
from bbp.signatures.models import SignatureRequest
from bbp.tenancy import require_tenant

CODES_PER_REQUEST_HOUR = 5
PORTAL_SESSION = "portal session: "  # how a signer verified by their portal sign-in is recorded


def contact_of(request: SignatureRequest) -> str:
    """Where verification codes for this request go: the phone it was texted to, else the email."""
    return request.phone or request.email.lower()


def _session_events(request: SignatureRequest, row: PortalSession | None, kind: str):
    if row is None:
        return []
    return [e for e in request.events if e.kind == kind and e.data.get("session") == row.id]


def stage(request: SignatureRequest, row: PortalSession | None) -> str:
    """Where the signer is: "verify", "consent", "sign", or the request's closed status."""
    if not request.is_open:
        return request.status
    if row is None or not people.covers(row.people, request.person):
        return "verify"
    if not _session_events(request, row, "verified"):
        return "verify"
    return "sign" if _session_events(request, row, "consented") else "consent"


def step_count(request: SignatureRequest, row: PortalSession | None) -> int:
    """Three steps (code, consent, sign), or two when the portal sign-in stood for the code."""
    verified = _session_events(request, row, "verified")
    by_portal = bool(verified) and verified[-1].data.get("method", "").startswith(PORTAL_SESSION)
    return 2 if by_portal else 3


def send_code(request: SignatureRequest) -> str:
    """Send a one-time code to the request's phone or email; returns where, masked."""
    if not ratelimit.allow("sign-code", str(request.id), CODES_PER_REQUEST_HOUR, 3600):
        raise AccessRefused(_("Too many tries. Wait a few minutes, then try again."), 429)
    contact = contact_of(request)
    _require_reachable(request)
    access.issue_code(contact, "signing", [request.person], request_id=request.id)
    evidence.append(request, "code_sent", {"to": access.describe(contact)})
    db.session.commit()
    messaging.dispatch()
    return access.describe(contact)


def _require_reachable(request: SignatureRequest) -> None:
    """The request's phone or email must still be the signer's: an old number's new owner is out."""
    if not people.covers(people.people_for(contact_of(request)), request.person):
        raise AccessRefused(_("This link is no longer valid. Ask your agent for a new one."), 410)


def verify_code(request: SignatureRequest, code: str | None) -> str:
    """Check the code; records how the signer was verified and returns a portal session token."""
    contact = contact_of(request)
    _require_reachable(request)
    access.check_code(contact, "signing", code, request_id=request.id)
    refs = people.people_for(contact)
    how = "email" if "@" in contact else "text message"
    method = f"one-time code sent by {how} to {contact}"
    token = access.open_session(contact, method, refs)
    row = access.session_for(token)
    evidence.append(request, "verified", {"method": method, "session": row.id})
    db.session.commit()
    return token


def confirm_session(request: SignatureRequest, row: PortalSession) -> None:
    """A signer already signed in to the portal as this person: record how they were verified."""
    same_contact = row.contact == contact_of(request)
    if (
        same_contact
        and people.covers(row.people, request.person)
        and not _session_events(request, row, "verified")
    ):
        evidence.append(
            request, "verified", {"method": f"{PORTAL_SESSION}{row.method}", "session": row.id}
        )
        db.session.commit()


def accept_consent(request: SignatureRequest, row: PortalSession, shown: str) -> None:
    """Record the signer's consent, with the SHA-256 of the exact text shown."""
    _lock(request)
    if stage(request, row) != "consent":
        raise DomainError(_("This step is already done."))
    request.consent_sha256 = consent.fingerprint(shown)
    evidence.append(
        request,
        "consented",
        {"consent_sha256": request.consent_sha256, "version": consent.VERSION, "session": row.id},
    )
    db.session.commit()


def mark_viewed(request: SignatureRequest, row: PortalSession) -> None:
    """The signer opened the document (first time only changes the status)."""
    if request.status == "sent":
        request.status, request.viewed_at = "viewed", utcnow()
        evidence.append(request, "viewed", {"session": row.id})
        db.session.commit()


def sign(request: SignatureRequest, row: PortalSession, how: str, typed: str, drawn: bytes | None):
    """Sign: put the signature and a certificate of completion on the document, and seal it."""
    _lock(request)
    if stage(request, row) != "sign":
        raise DomainError(_("This document can no longer be signed here."))
    signature = rendering.signature(request, how, typed, drawn)
    verified = _session_events(request, row, "verified")[-1].data["method"]
    evidence.append(
        request,
        "signed",
        {
            "session": row.id,
            "verified_by": verified,
            "signature": how,
            "signature_sha256": evidence.digest(signature.image_png or signature.name.encode()),
            "typed_name": signature.name if how == "typed" else "",
            "document_sha256": request.document_sha256,
            "consent_sha256": request.consent_sha256,
        },
    )
    rendering.finish(request, signature, verified)
    request.completed_at = signature.signed_at
    request.status, request.signature_kind = "signed", how
    evidence.append(
        request, "completed", evidence.pins(request, "signed_sha256", "signed_key", "completed_at")
    )
    audit.record("signature.signed", request, actor=_actor(request))
    db.session.commit()
    _tell_agent(request, f"{request.signer_name} signed {request.title}.")


def decline(request: SignatureRequest, row: PortalSession, reason: str) -> None:
    """Decline to sign, with a reason the agent will read."""
    _lock(request)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Tell your agent why you are declining."), "reason")
    if len(reason) > 1000:
        raise DomainError(_("Keep the reason under 1,000 characters."), "reason")
    if stage(request, row) not in ("consent", "sign"):
        raise DomainError(_("This document can no longer be declined here."))
    request.status, request.decline_reason, request.completed_at = "declined", reason, utcnow()
    evidence.append(
        request, "declined", {"session": row.id, **evidence.pins(request, "reason", "completed_at")}
    )
    audit.record("signature.declined", request, actor=_actor(request))
    db.session.commit()
    _tell_agent(request, f"{request.signer_name} declined to sign {request.title}: {reason}")


def _lock(request: SignatureRequest) -> None:
    """Take the request's row lock so two taps on Sign cannot both sign."""
    db.session.execute(
        select(SignatureRequest)
        .where(SignatureRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _actor(request: SignatureRequest) -> PortalActor:
    return PortalActor(email=f"portal: {request.signer_name}"[:254])


def _tell_agent(request: SignatureRequest, line: str) -> None:
    agent = db.session.get(User, request.created_by_id) if request.created_by_id else None
    if agent is not None and agent.active:
        bond = db.session.get(Bond, request.bond_id)
        body = f"{line}\n\nBond {bond.number} · {require_tenant().name}"
        mail.send(agent.email, line[:120], body)
