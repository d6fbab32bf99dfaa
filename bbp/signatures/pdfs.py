"""The request's PDFs: the frozen original, and the signed copy with its certificate page."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from bbp.bonds.models import Bond
from bbp.documents import pdf_data as pdf
from bbp.documents import services as documents
from bbp.extensions import db
from bbp.kernel import storage
from bbp.kernel.clock import agency_zone, utcnow
from bbp.kernel.errors import DomainError
from bbp.pdf import render
from bbp.settings import services as settings
from bbp.signatures import evidence
from bbp.signatures.models import SignatureRequest
from bbp.tenancy import require_tenant

TITLE_MAX = 120  # SignatureRequest.title
ROLE_LABELS = {"defendant": "Defendant", "cosigner": "Cosigner and indemnitor"}
EVENT_LABELS = {
    "created": "Prepared and sent for signature",
    "sent": "Link sent",
    "reminded": "Reminder sent",
    "code_sent": "Verification code sent",
    "verified": "Identity verified",
    "consented": "Consented to electronic signature",
    "viewed": "Document opened",
    "signed": "Signed",
    "pinned": "Request details pinned to the evidence (upgrade)",
}


def _document(request: SignatureRequest, **extra) -> pdf.PdfDocument:
    bond = db.session.get(Bond, request.bond_id)
    return pdf.PdfDocument(
        agency_name=require_tenant().name,
        title=request.title,
        body=request.body,
        reference=f"Bond {bond.number} · Request {request.id}",
        signer_name=request.signer_name,
        signer_role=ROLE_LABELS[request.signer_role],
        created_at=request.created_at,
        timezone=require_tenant().timezone,
        agency_lines=tuple(settings.agency_details().print_lines),
        **extra,
    )


def _store(data: bytes) -> str:
    key = storage.new_key("signatures", "pdf")
    backend = storage.storage_from_config(current_app.config)
    backend.save(require_tenant().slug, key, data, "application/pdf")
    return key


def prepare(request: SignatureRequest, bond: Bond, signer) -> None:
    """Render the document's text for this signer now; it never changes afterwards."""
    rendered = documents.render_text(request.template_kind, bond, signer)
    title = " ".join(rendered.title.split())  # variables may bring line breaks or length
    request.title = title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"
    request.body, request.created_at = rendered.body, utcnow()


def store(request: SignatureRequest) -> None:
    """Draw the prepared text as the original PDF, store it and record its SHA-256."""
    data = render.draw(render.DOCUMENT, _document(request))
    request.document_key, request.document_sha256 = _store(data), evidence.digest(data)


def signature(request: SignatureRequest, how: str, typed: str, drawn: bytes | None):
    """The signature to place, checked: a typed full name or a drawn image."""
    if how == "drawn":
        image, problem = render.draw(render.SIGNATURE_PNG, drawn or b"")
        if image is None:
            raise DomainError(_(problem), "drawn")
        return pdf.PdfSignature("drawn", request.signer_name, utcnow(), image)
    if how != "typed":
        raise DomainError(_("Type your name or draw your signature."), "typed")
    typed = " ".join((typed or "").split())
    if len(typed) < 2 or len(typed) > 200:
        raise DomainError(_("Type your full name to sign."), "typed")
    return pdf.PdfSignature("typed", typed, utcnow(), None)


def finish(request: SignatureRequest, sig: pdf.PdfSignature, verified_by: str) -> None:
    """Write the signed PDF with its certificate of completion; store it and its hash."""
    zone = agency_zone()
    rows = [
        ("Request", f"{request.id} · {request.title}"),
        ("Signer", f"{request.signer_name} ({ROLE_LABELS[request.signer_role]})"),
        ("Identity verified by", verified_by),
        ("Signature", "Drawn on screen" if sig.kind == "drawn" else f"Typed: {sig.name}"),
        ("Signed at", sig.signed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("Signer IP address", request.events[-1].ip or "unknown"),
        ("Signer browser", request.events[-1].user_agent or "unknown"),
        ("Consent text SHA-256", request.consent_sha256 or ""),
        ("Original document SHA-256", request.document_sha256),
    ]
    events = [
        (
            e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
            EVENT_LABELS.get(e.kind, e.kind),
            e.ip or "",
        )
        for e in request.events
    ]
    certificate = pdf.PdfCertificate(rows, events, evidence.head(request))
    data = render.draw(render.DOCUMENT, _document(request, signature=sig, certificate=certificate))
    request.signed_key, request.signed_sha256 = _store(data), evidence.digest(data)
