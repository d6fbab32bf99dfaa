"""Cosigner list, profile and create/edit."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from bbp.auth.roles import role_required, staff_required
from bbp.extensions import db
from bbp.indemnitors import bp, services
from bbp.indemnitors.forms import HOUSING_LABELS, IndemnitorForm
from bbp.indemnitors.models import Indemnitor
from bbp.web.rendering import paginate, render

PER_PAGE = 25
ID = "<int(max=2147483647):indemnitor_id>"


def _indemnitor(indemnitor_id: int) -> Indemnitor:
    return db.session.get(Indemnitor, indemnitor_id) or abort(404)


@bp.get("/")
@staff_required
def index():
    """Cosigners, searchable as you type by name, phone or email."""
    q = request.args.get("q", "").strip()
    page = paginate(services.search(q), PER_PAGE)
    counts = services.bond_counts(page.items)
    return render(
        "indemnitors/index.html",
        "indemnitors/_rows.html",
        page=page,
        q=q,
        counts=counts,
        housing=HOUSING_LABELS,
    )


@bp.get("/new")
@role_required("agent")
def new():
    """The new cosigner form."""
    return render("indemnitors/form.html", form=IndemnitorForm(), indemnitor=None)


@bp.post("/new")
@role_required("agent")
def create():
    """Save a new cosigner; errors keep everything typed."""
    form = IndemnitorForm()
    if not form.validate_on_submit():
        return render("indemnitors/form.html", form=form, indemnitor=None, status=422)
    indemnitor = services.save(None, form.data)
    flash(f"{indemnitor.full_name} added.", "success")
    return redirect(url_for("indemnitors.show", indemnitor_id=indemnitor.id))


@bp.get(f"/{ID}")
@staff_required
def show(indemnitor_id: int):
    """A cosigner's profile, finances and the bonds they guarantee."""
    indemnitor = _indemnitor(indemnitor_id)
    return render(
        "indemnitors/show.html",
        indemnitor=indemnitor,
        bonds=services.bonds_of(indemnitor),
        housing=HOUSING_LABELS,
    )


@bp.get(f"/{ID}/edit")
@role_required("agent")
def edit(indemnitor_id: int):
    """The edit form."""
    indemnitor = _indemnitor(indemnitor_id)
    form = IndemnitorForm(obj=indemnitor)
    return render("indemnitors/form.html", form=form, indemnitor=indemnitor)


@bp.post(f"/{ID}/edit")
@role_required("agent")
def update(indemnitor_id: int):
    """Save changes to a cosigner."""
    indemnitor = _indemnitor(indemnitor_id)
    form = IndemnitorForm()
    if not form.validate_on_submit():
        return render("indemnitors/form.html", form=form, indemnitor=indemnitor, status=422)
    services.save(indemnitor, form.data)
    flash("Changes saved.", "success")
    return redirect(url_for("indemnitors.show", indemnitor_id=indemnitor.id))
