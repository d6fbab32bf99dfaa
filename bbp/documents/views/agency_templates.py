"""Staff: the agency's document templates, previews, and documents printed for a bond."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries as bonds
from bbp.bonds.models import Bond
from bbp.documents import bp, services, variables
from bbp.documents.forms import ActionForm, TemplateForm
from bbp.documents.models import TEMPLATE_KINDS
from bbp.extensions import db
from bbp.web.refusals import refused
from bbp.web.rendering import pdf_name, pdf_response, render

BOND = "<int(max=2147483647):bond_id>"
PREVIEW_BONDS = 50


def _kind(kind: str) -> str:
    # A plain <kind> in the URL, checked here, so role checks answer before any 404.
    return kind if kind in TEMPLATE_KINDS else abort(404)


def _edit_page(kind: str, form: TemplateForm, status: int = 200):
    recent = db.session.scalars(select(Bond).order_by(Bond.id.desc()).limit(PREVIEW_BONDS))
    return render(
        "documents/edit.html",
        form=form,
        wording=services.wording(kind),
        variables=variables.VARIABLES,
        bonds=list(recent),
        action=ActionForm(),
        status=status,
    )


@bp.get("/templates")
@role_required("manager")
def templates():
    """The four documents, each with the agency's wording or the standard text."""
    return render("documents/templates.html", wordings=services.all_wordings())


@bp.get("/templates/<kind>")
@role_required("manager")
def edit(kind: str):
    """The wording of one document, with the variables it may use."""
    current = services.wording(_kind(kind))
    return _edit_page(kind, TemplateForm(title=current.title, body=current.body))


@bp.post("/templates/<kind>")
@role_required("manager")
def save(kind: str):
    """Save the agency's wording; unknown variables or stray braces are refused."""
    form = TemplateForm()
    _kind(kind)
    if form.validate_on_submit():
        with refused(form):
            services.save(kind, form.title.data, form.body.data, current_user)
            flash(f"{services.KIND_LABELS[kind]} saved.", "success")
            return redirect(url_for("documents.templates"))
    return _edit_page(kind, form, status=422)


@bp.post("/templates/<kind>/restore")
@role_required("manager")
def restore(kind: str):
    """Go back to the standard text."""
    form = ActionForm()
    _kind(kind)
    if not form.validate_on_submit():
        abort(400)
    services.restore(kind, current_user)
    flash(f"{services.KIND_LABELS[kind]}: the standard text is back in use.", "success")
    return redirect(url_for("documents.edit", kind=kind))


@bp.get("/templates/<kind>/preview.pdf")
@role_required("manager")
def preview(kind: str):
    """The saved wording filled in for a chosen bond, or with sample data."""
    _kind(kind)
    bond_id = request.args.get("bond", type=int)
    bond = db.session.get(Bond, bond_id) if bond_id and 0 < bond_id < 2**31 else None
    if bond_id and bond is None:
        abort(404)
    bond = bond or db.session.scalar(select(Bond).order_by(Bond.id.desc()).limit(1))
    signer = _default_signer(kind, bond) if bond else None
    label = services.KIND_LABELS[kind].lower()
    name = pdf_name(bond.number if bond else "sample", label, "preview")
    return pdf_response(services.printable(kind, bond, signer), name)


def _default_signer(kind: str, bond: Bond, choice: str | None = None):
    """The person a printed copy is made out to: ?signer=defendant|<cosigner id>, else by kind."""
    cosigners = [link.indemnitor for link in bond.cosigners]
    if choice == "defendant":
        return bond.defendant
    if choice:
        found = next((c for c in cosigners if str(c.id) == choice), None)
        return found or abort(404)
    if kind in ("indemnity", "premium_agreement") and cosigners:
        return cosigners[0]
    return bond.defendant


@bp.get(f"/bonds/{BOND}/<kind>.pdf")
@staff_required
def bond_pdf(bond_id: int, kind: str):
    """One document filled in for a bond, to print without sending it for signature."""
    bond = bonds.get(bond_id)
    signer = _default_signer(_kind(kind), bond, request.args.get("signer"))
    name = pdf_name(bond.number, services.KIND_LABELS[kind].lower())
    return pdf_response(services.printable(kind, bond, signer), name)


@bp.app_template_global()
def document_kinds() -> dict[str, str]:
    """The printable documents by kind, for links on the bond page."""
    return dict(services.KIND_LABELS)


@bp.app_template_global()
def document_label(kind: str) -> str:
    """A kind of document in the reader's language (portal pages)."""
    return services.label(kind)
