"""Document templates: the agency's wording or the standard text, checked, saved and rendered."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from bbp.audit.services import record
from bbp.bonds.models import Bond
from bbp.documents import values, variables
from bbp.documents.models import TEMPLATE_KINDS, DocumentTemplate
from bbp.documents.pdf_data import PdfDocument
from bbp.documents.standard import KIND_LABELS, STANDARD
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.pdf import render
from bbp.settings import services as settings
from bbp.tenancy import require_tenant

__all__ = ["KIND_LABELS", "RenderedDocument", "label", "render_text"]

MAX_TITLE = 120
MAX_BODY = 40_000


@dataclass(frozen=True)
class RenderedDocument:
    """A document's title and body with every variable filled in."""

    kind: str
    title: str
    body: str


@dataclass(frozen=True)
class Wording:
    """The title and body an agency uses for one kind, and whether they are its own."""

    kind: str
    title: str
    body: str
    custom: bool
    updated_at: object = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _check_kind(kind: str) -> None:
    if kind not in TEMPLATE_KINDS:
        raise DomainError(f"There is no document called {kind!r}.")


def wording(kind: str) -> Wording:
    """The agency's saved wording for this kind, or the standard text."""
    _check_kind(kind)
    saved = db.session.get(DocumentTemplate, kind)
    if saved is None:
        return Wording(kind, *STANDARD[kind], custom=False)
    return Wording(kind, saved.title, saved.body, custom=True, updated_at=saved.updated_at)


def label(kind: str) -> str:
    """The kind of document in the reader's language (the portal, texts to the signer)."""
    return gettext(KIND_LABELS[kind])


def all_wordings() -> list[Wording]:
    """Each kind of document, in the standard order."""
    saved = {t.kind: t for t in db.session.scalars(select(DocumentTemplate))}
    return [
        Wording(k, saved[k].title, saved[k].body, True, saved[k].updated_at)
        if k in saved
        else Wording(k, *STANDARD[k], custom=False)
        for k in TEMPLATE_KINDS
    ]


def render_text(kind: str, bond: Bond | None, signer=None) -> RenderedDocument:
    """The document for this bond and signer (a Defendant, an Indemnitor, or None to preview)."""
    current = wording(kind)
    data = values.values_for(bond, signer) if bond is not None else values.sample_values()
    return RenderedDocument(
        kind, variables.fill(current.title, data), variables.fill(current.body, data)
    )


def printable(kind: str, bond: Bond | None, signer=None) -> bytes:
    """The document as an unsigned PDF, for staff to print (a sample when there is no bond)."""
    document = render_text(kind, bond, signer)
    tenant = require_tenant()
    reference = f"Bond {bond.number}" if bond is not None else "Sample - not for signature"
    return render.draw(
        render.DOCUMENT,
        PdfDocument(
            agency_name=tenant.name,
            title=document.title,
            body=document.body,
            reference=reference,
            signer_name=signer.full_name if signer is not None else "",
            signer_role=values.role_of(signer),
            created_at=utcnow(),
            timezone=tenant.timezone,
            agency_lines=tuple(settings.agency_details().print_lines),
        ),
    )


def _checked(title: str, body: str) -> tuple[str, str]:
    title, body = " ".join(title.split()), body.strip().replace("\r\n", "\n")
    if not title:
        raise DomainError("Enter a title.", "title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the title to {MAX_TITLE} characters.", "title")
    if not body:
        raise DomainError("Enter the text of the document.", "body")
    if len(body) > MAX_BODY:
        raise DomainError(f"Keep the text under {MAX_BODY:,} characters.", "body")
    for field, text in (("title", title), ("body", body)):
        try:
            variables.check(text)
        except variables.TemplateError as exc:
            raise DomainError(str(exc), field) from None
    return title, body


@atomic
def save(kind: str, title: str, body: str, by=None) -> DocumentTemplate:
    """Save the agency's own wording of one document; placeholders are checked first."""
    _check_kind(kind)
    title, body = _checked(title, body)
    before = _snapshot(wording(kind))
    saved = db.session.get(DocumentTemplate, kind) or DocumentTemplate(kind=kind)
    saved.title, saved.body = title, body
    saved.updated_by_id = getattr(by or current_user, "id", None)
    db.session.add(saved)
    db.session.flush()
    after = {"kind": kind, "title": title, "body": body, "custom": True}
    record("document_template.saved", saved, before=before, after=after, actor=by)
    return saved


@atomic
def restore(kind: str, by=None) -> None:
    """Go back to the standard text for one document."""
    _check_kind(kind)
    saved = db.session.get(DocumentTemplate, kind)
    if saved is None:
        return
    before = _snapshot(wording(kind))
    db.session.delete(saved)
    after = _snapshot(Wording(kind, *STANDARD[kind], custom=False))
    record("document_template.restored", saved, before=before, after=after, actor=by)


def _snapshot(current: Wording) -> dict:
    return {
        "kind": current.kind,
        "title": current.title,
        "body": current.body,
        "custom": current.custom,
    }
