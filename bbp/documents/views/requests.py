"""Staff: ask a defendant or cosigner for a document, cancel the request, download the file."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.defendants.models import Defendant
from bbp.documents import bp, requested
from bbp.documents.forms import ActionForm, RequestForm
from bbp.documents.models import DocumentRequest
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.web.refusals import refused
from bbp.web.rendering import render, wants_partial

DEFENDANT = "<int(max=2147483647):defendant_id>"
COSIGNER = "<int(max=2147483647):indemnitor_id>"
REQUEST = "<int(max=2147483647):request_id>"
PAGES = {"defendant": "defendants.show", "cosigner": "indemnitors.show"}
ID_NAMES = {"defendant": "defendant_id", "cosigner": "indemnitor_id"}


def _person(kind: str, person_id: int) -> Defendant | Indemnitor:
    return db.session.get(requested.PERSON_KINDS[kind], person_id) or abort(404)


def _request(request_id: int) -> DocumentRequest:
    return db.session.get(DocumentRequest, request_id) or abort(404)


def _widget(person, form: RequestForm | None = None, status: int = 200, error: str = ""):
    """The requests widget: alone for htmx, inside a page of its own otherwise."""
    return render(
        "documents/requests.html",
        "documents/_requests.html",
        doc_person=requested.person_ref(person),
        doc_form=form,
        person=person,
        doc_error=error,
        status=status,
    )


def _done(person, message: str, category: str = "success", status: int = 200):
    """After a change: the refreshed widget for htmx, else back to the person's page."""
    if wants_partial():
        return _widget(person, status=status, error="" if category == "success" else message)
    flash(message, category)
    ref = requested.person_ref(person)
    page = url_for(PAGES[ref["kind"]], **{ID_NAMES[ref["kind"]]: person.id})
    return redirect(page + "#documents")


def _ask(person):
    form, bonds = RequestForm(), requested.bonds_of(person)
    form.set_bonds(bonds)
    if form.validate_on_submit():
        bond = next((b for b in bonds if str(b.id) == form.bond_id.data), None)
        with refused(form):
            requested.request_document(
                person, form.doc_type.data, form.note.data or "", bond, current_user
            )
            label = requested.DOC_TYPE_LABELS[form.doc_type.data]
            return _done(person, f"{label} requested from {person.full_name}.")
    return _widget(person, form, status=422)


@bp.get(f"/requests/defendants/{DEFENDANT}")
@staff_required
def defendant_requests(defendant_id: int):
    """Documents asked of a defendant, and the form to ask for another."""
    return _widget(_person("defendant", defendant_id))


@bp.post(f"/requests/defendants/{DEFENDANT}")
@role_required("agent")
def ask_defendant(defendant_id: int):
    """Ask a defendant for a document."""
    return _ask(_person("defendant", defendant_id))


@bp.get(f"/requests/cosigners/{COSIGNER}")
@staff_required
def cosigner_requests(indemnitor_id: int):
    """Documents asked of a cosigner, and the form to ask for another."""
    return _widget(_person("cosigner", indemnitor_id))


@bp.post(f"/requests/cosigners/{COSIGNER}")
@role_required("agent")
def ask_cosigner(indemnitor_id: int):
    """Ask a cosigner for a document."""
    return _ask(_person("cosigner", indemnitor_id))


@bp.post(f"/requests/{REQUEST}/cancel")
@role_required("agent")
def cancel(request_id: int):
    """Withdraw a request that has not been answered."""
    item = _request(request_id)
    person = requested.person_of(item)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refused(flashed=False) as refusal:
        requested.cancel(item, current_user)
        return _done(person, "Request canceled.")
    return _done(person, refusal.message, "error", status=409)


@bp.get(f"/requests/{REQUEST}/file")
@staff_required
def download(request_id: int):
    """The file sent for a request, as an attachment (never rendered inline)."""
    item = _request(request_id)
    if item.status != "received" or not item.storage_key:
        abort(404)
    try:
        data = requested.file_bytes(item)
    except FileNotFoundError:
        abort(404, description="The file is missing from storage.")
    extension = item.storage_key.rsplit(".", 1)[-1]
    filename = f"{item.doc_type}-{item.id}.{extension}"
    return Response(
        data,
        mimetype=item.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@bp.app_template_global()
def document_requests(doc_person: dict, form: RequestForm | None = None) -> dict:
    """The requests of one person and the request form, for the widget."""
    person = _person(doc_person["kind"], doc_person["id"])
    if form is None:
        form = RequestForm(formdata=None)
        form.set_bonds(requested.bonds_of(person))
    return {
        "person": person,
        "items": requested.requests_for([doc_person]),
        "form": form,
        "labels": requested.DOC_TYPE_LABELS,
        "action": ActionForm(),
    }
