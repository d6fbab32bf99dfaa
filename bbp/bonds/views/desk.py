"""Bond list, bond page, status changes and timeline notes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import bp, lifecycle, page, queries, services, timeline
from bbp.bonds.forms import NoteForm, StatusForm
from bbp.bonds.models import STATUS_LABELS, STATUSES
from bbp.web.heldpages import held
from bbp.web.refusals import refused
from bbp.web.rendering import Page, render, requested_page

PER_PAGE = 25
ID = "<int(max=2147483647):bond_id>"


@bp.get("/")
@staff_required
@held
def index():
    """Bonds, newest first, searchable and filterable by status."""
    q, status = request.args.get("q", "").strip(), request.args.get("status", "")
    status = status if status in STATUSES else ""
    sort = request.args.get("sort", "newest")
    sort = sort if sort in queries.SORTS else "newest"
    number = requested_page()
    rows, total = queries.listing(q, status, sort, number, PER_PAGE)
    return render(
        "bonds/index.html",
        "bonds/_rows.html",
        page=Page(rows, number, PER_PAGE, total),
        q=q,
        status_filter=status,
        statuses=STATUS_LABELS,
        sort=sort,
    )


def status_form(bond) -> StatusForm:
    """The status form offering only the moves allowed from here."""
    form = StatusForm()
    form.status.choices = [
        SelectChoice(s, STATUS_LABELS[s])
        for s in lifecycle.TRANSITIONS[bond.status]
        if s != lifecycle.WRITE
    ]
    return form


def _page(bond, *, status_form_=None, note_form=None, status: int = 200):
    loaded = page.load(bond)  # shared by the timeline and every section: nothing loads twice
    return render(
        "bonds/show.html",
        bond=bond,
        plan=loaded.plan,
        loaded=loaded,
        status_form=status_form_ or status_form(bond),
        note_form=note_form or NoteForm(),
        timeline=timeline.events(bond, loaded),
        status=status,
    )


@bp.get(f"/{ID}")
@staff_required
@held
def show(bond_id: int):
    """Everything about one bond, with its timeline."""
    return _page(queries.whole(bond_id))


@bp.post(f"/{ID}/status")
@role_required("agent")
def change_status(bond_id: int):
    """Move the bond to another status; a refusal says why and keeps the reason typed."""
    bond = queries.get(bond_id)
    form = status_form(bond)
    form.validate_on_submit()
    with refused(form):
        services.change_status(bond, form.status.data or "", form.reason.data or "", current_user)
        flash(f"Bond {bond.number} is now {bond.status_label.lower()}.", "success")
        return redirect(url_for("bonds.show", bond_id=bond.id))
    return _page(bond, status_form_=form, status=409)


@bp.post(f"/{ID}/notes")
@role_required("agent")
def add_note(bond_id: int):
    """Add a note to the timeline; an empty note is refused and nothing is lost."""
    bond = queries.get(bond_id)
    form = NoteForm()
    with refused(form) as refusal:
        services.add_note(bond, form.body.data or "", current_user)
        flash("Note added.", "success")
        return redirect(url_for("bonds.show", bond_id=bond.id) + "#timeline")
    return _page(bond, note_form=form, status=refusal.status)
