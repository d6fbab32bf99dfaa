"""Signature requests: send a document, sign or decline it with evidence, remind, expire."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from bbp.audit import services as audit
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.defendants.models import Defendant
from bbp.documents import services as documents
from bbp.documents.models import TEMPLATE_KINDS
from bbp.documents.standard import KIND_LABELS
from bbp.extensions import db
from bbp.kernel import links, mail, storage, wakeups
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.links import tenant_url
from bbp.kernel.transactions import atomic
from bbp.messaging import services as messaging
from bbp.portal import people
from bbp.settings import services as settings
from bbp.signatures import evidence
from bbp.signatures import pdfs as rendering
from bbp.signatures.models import OPEN, SignatureRequest
from bbp.tenancy import require_tenant

SALT = "bbp-signature-request"
# Untimed: a request's link lives until the request is signed, declined, withdrawn or expires.
LINKS = links.SignedLinks(SALT, timed=False)
REFUSALS = links.Refusals(used=_l("This link is no longer valid. Ask your agent for a new one."))


def token_for(request: SignatureRequest) -> str:
    """The signed token naming the agency, the request and its nonce."""
    return LINKS.make({"r": request.id, "n": request.nonce})


def link_for(request: SignatureRequest) -> str:
    """The absolute signing link sent to the signer."""
    return tenant_url(require_tenant(), f"/portal/sign/{token_for(request)}")


def read_link(token: str) -> SignatureRequest:
    """The request a signing token names, for this agency; InvalidLink otherwise."""
    data = LINKS.read(token, REFUSALS)
    request_id = data.get("r")
    request = db.session.get(SignatureRequest, request_id) if isinstance(request_id, int) else None
    links.check_mark(data.get("n"), request.nonce if request else None, REFUSALS)
    expire_if_due(request)
    return request


def _signer(bond: Bond, person_ref: str) -> Defendant | object:
    kind, _, raw_id = person_ref.partition(":")
    if kind == "defendant" and raw_id == str(bond.defendant_id):
        return bond.defendant
    for link in bond.cosigners:
        if kind == "cosigner" and raw_id == str(link.indemnitor_id):
            return link.indemnitor
    raise DomainError("Choose the defendant or one of this bond's cosigners.", "signer")


def _contact(signer, channel: str) -> tuple[str, str]:
    phone = messaging.e164(signer.phone) if signer.phone else ""
    if channel in ("sms", "both") and not phone:
        raise DomainError(f"{signer.full_name} has no mobile number on file.", "channel")
    if channel in ("email", "both") and not signer.email:
        raise DomainError(f"{signer.full_name} has no email address on file.", "channel")
    return phone if channel != "email" else "", signer.email if channel != "sms" else ""


def create(bond: Bond, kind: str, signer_ref: str, channel: str, by) -> SignatureRequest:
    """Freeze the document for this signer, store its PDF and hash, and send the link."""
    if kind not in TEMPLATE_KINDS:
        raise DomainError("Choose a document.", "kind")
    if bond.status == "cancelled":
        raise DomainError("This bond is canceled; documents can no longer be sent.")
    signer = _signer(bond, signer_ref)
    phone, email = _contact(signer, channel)
    ref = people.ref(signer)
    request = SignatureRequest(
        bond_id=bond.id,
        template_kind=kind,
        defendant_id=ref["id"] if ref["kind"] == "defendant" else None,
        indemnitor_id=ref["id"] if ref["kind"] == "cosigner" else None,
        signer_name=signer.full_name,
        signer_role=ref["kind"],
        phone=phone,
        email=email,
        channel=channel,
        nonce=links.nonce(),
        expires_at=utcnow() + timedelta(days=settings.current().signature_expiry_days),
        created_by_id=by.id,
        title="",
        body="",
        document_key="",
        document_sha256="",
    )
    db.session.add(request)
    db.session.flush()
    rendering.prepare(request, bond, signer)
    text, subject = _wording(request, reminder=False)
    # Queued before the PDF is stored: a staff text limit refuses here with nothing left behind.
    _queue_text(request, text, by=by, key=f"sign:{request.id}:{request.nonce}:first")
    rendering.store(request)
    evidence.append(request, "created", {"by": by.email, **evidence.pinned(request)})
    evidence.append(request, "sent", {"to": _recipients(request)})
    audit.record("signature.requested", request, after={"kind": kind, "signer": signer.full_name})
    wakeups.wake(wakeups.SIGNATURES, utcnow() + timedelta(hours=1))  # its hourly upkeep
    db.session.commit()
    _email(request, subject, text)
    messaging.dispatch()
    return request


def remind(request_id: int) -> None:
    """Text and/or email a reminder of an open request (automated: no staff limit applies)."""
    request = db.session.get(SignatureRequest, request_id)
    if request is None or not request.is_open:
        return
    text, subject = _wording(request, reminder=True)
    key = f"sign:{request.id}:{request.nonce}:{request.reminders_sent}"
    _queue_text(request, text, key=key)
    evidence.append(request, "reminded", {"to": _recipients(request)})
    db.session.commit()
    _email(request, subject, text)
    messaging.dispatch()


def _wording(request: SignatureRequest, reminder: bool) -> tuple[str, str]:
    """The text (also the email body) and the email subject, in the signer's language."""
    agency, url = require_tenant().name, link_for(request)
    with force_locale(_language(request)):
        intro = _("Reminder: ") if reminder else ""
        title = documents.label(request.template_kind)
        text = intro + _(
            "%(agency)s asks you to sign: %(title)s. Open %(url)s",
            agency=agency,
            title=title,
            url=url,
        )
        subject = intro + _("Please sign: %(title)s", title=title)
    return text, subject


def _queue_text(request: SignatureRequest, text: str, *, key: str | None = None, by=None) -> None:
    """Queue the link to the signer's phone, if any; a staff member's send (`by`) is limited."""
    if request.phone:
        messaging.queue(
            request.phone,
            text,
            "signature",
            bond_id=request.bond_id,
            defendant_id=request.defendant_id,
            indemnitor_id=request.indemnitor_id,
            dedupe_key=key,
            by=by,
            commit=False,
        )


def _email(request: SignatureRequest, subject: str, text: str) -> None:
    """Email the link once the request is committed, so no mail names a request never saved."""
    if request.email:
        mail.send(request.email, subject, text)


def _recipients(request: SignatureRequest) -> list[str]:
    """The phone and email the link goes to, for the evidence log."""
    return [contact for contact in (request.phone, request.email) if contact]


def _language(request: SignatureRequest) -> str:
    rows = people.load([request.person])
    return rows[0].language if rows else "en"


def file_words(request: SignatureRequest, signed: bool) -> tuple[str, ...]:
    """The words of a download's name: bond number, document, signer, and "signed" if it is."""
    bond = db.session.get(Bond, request.bond_id)
    label = KIND_LABELS.get(request.template_kind, "document").lower()
    return (bond.number, label, request.signer_name.lower(), "signed" if signed else "")


def expire_if_due(request: SignatureRequest) -> None:
    """Close an open request whose time ran out."""
    if request.is_open and links.expired(request.expires_at):
        request.status = "expired"
        evidence.append(request, "expired", {})
        db.session.commit()


def resend(request: SignatureRequest, by) -> None:
    """Text and/or email the same link again (it stays valid until the request expires)."""
    if not request.is_open:
        raise DomainError("Only a request waiting for a signature can be sent again.")
    text, subject = _wording(request, reminder=False)
    _queue_text(request, text, by=by)  # no dedupe key: each click is a new text, within limits
    evidence.append(request, "sent", {"to": _recipients(request)})
    audit.record("signature.resent", request, actor=by)
    db.session.commit()
    _email(request, subject, text)
    messaging.dispatch()


@atomic
def cancel(request: SignatureRequest, by) -> None:
    """Withdraw a request; its link stops working."""
    db.session.refresh(request, with_for_update=True)  # a signature or a cancel meanwhile shows
    if not request.is_open:
        raise DomainError("Only a request waiting for a signature can be withdrawn.")
    request.status = "cancelled"
    evidence.append(request, "cancelled", {"by": by.email})
    audit.record("signature.cancelled", request, actor=by)


def waiting_for(refs: list[people.Ref]) -> list[SignatureRequest]:
    """Open requests for these people, oldest first."""
    return [r for r in _for(refs, OPEN) if r.expires_at > utcnow()]


def signed_for(refs: list[people.Ref]) -> list[SignatureRequest]:
    """Documents these people signed, newest first."""
    return list(reversed(_for(refs, ("signed",))))


def _for(refs: list[people.Ref], statuses: tuple[str, ...]) -> list[SignatureRequest]:
    query = (
        select(SignatureRequest)
        .where(SignatureRequest.status.in_(statuses))
        .where(
            SignatureRequest.defendant_id.in_(people.ids_of(refs, "defendant"))
            | SignatureRequest.indemnitor_id.in_(people.ids_of(refs, "cosigner"))
        )
        .order_by(SignatureRequest.id)
    )
    return list(db.session.scalars(query))


def of_bond(bond: Bond) -> list[SignatureRequest]:
    """A bond's requests, newest first."""
    query = select(SignatureRequest).where(SignatureRequest.bond_id == bond.id)
    return list(db.session.scalars(query.order_by(SignatureRequest.id.desc())))


def indemnity_signed(bond: Bond) -> bool:
    """Whether a cosigner has signed the indemnity agreement for this bond."""
    query = select(SignatureRequest.id).where(
        SignatureRequest.bond_id == bond.id,
        SignatureRequest.template_kind == "indemnity",
        SignatureRequest.signer_role == "cosigner",
        SignatureRequest.status == "signed",
        SignatureRequest.indemnitor_id.in_(
            select(BondIndemnitor.indemnitor_id).where(BondIndemnitor.bond_id == bond.id)
        ),  # a cosigner since removed from the bond no longer counts
    )
    return db.session.scalar(query.limit(1)) is not None


def load_file(key: str) -> bytes:
    """A stored PDF of this agency."""
    return storage.storage_from_config(current_app.config).load(require_tenant().slug, key)
