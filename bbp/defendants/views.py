"""Defendant list, profile, create/edit, secret reveal and photo."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for

from bbp.auth.roles import role_required, staff_required
from bbp.defendants import bp, services
from bbp.defendants.forms import DefendantForm, PhotoForm
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.storage import UploadError
from bbp.vault.services import VaultError
from bbp.web.rendering import paginate, render

PER_PAGE = 25
ID = "<int(max=2147483647):defendant_id>"
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _defendant(defendant_id: int) -> Defendant:
    return db.session.get(Defendant, defendant_id) or abort(404)


@bp.get("/")
@staff_required
def index():
    """Defendants, searchable as you type by name, phone, email or booking number."""
    q = request.args.get("q", "").strip()
    page = paginate(services.search(q), PER_PAGE)
    return render("defendants/index.html", "defendants/_rows.html", page=page, q=q)


@bp.get("/new")
@role_required("agent")
def new():
    """The new defendant form."""
    return render("defendants/form.html", form=DefendantForm(), defendant=None)


@bp.post("/new")
@role_required("agent")
def create():
    """Save a new defendant; errors keep everything typed."""
    form = DefendantForm()
    if not form.validate_on_submit():
        return render("defendants/form.html", form=form, defendant=None, status=422)
    defendant = services.save(None, form.data)
    flash(f"{defendant.full_name} added.", "success")
    return redirect(url_for("defendants.show", defendant_id=defendant.id))


@bp.get(f"/{ID}")
@staff_required
def show(defendant_id: int):
    """A defendant's profile with masked secrets and their bonds."""
    defendant = _defendant(defendant_id)
    return render(
        "defendants/show.html",
        defendant=defendant,
        bonds=services.bonds_of(defendant),
        photo_form=PhotoForm(),
    )


@bp.get(f"/{ID}/edit")
@role_required("agent")
def edit(defendant_id: int):
    """The edit form (secret fields start blank: leaving them blank keeps them)."""
    defendant = _defendant(defendant_id)
    return render("defendants/form.html", form=DefendantForm(obj=defendant), defendant=defendant)


@bp.post(f"/{ID}/edit")
@role_required("agent")
def update(defendant_id: int):
    """Save changes to a defendant."""
    defendant = _defendant(defendant_id)
    form = DefendantForm()
    if not form.validate_on_submit():
        return render("defendants/form.html", form=form, defendant=defendant, status=422)
    services.save(defendant, form.data)
    flash("Changes saved.", "success")
    return redirect(url_for("defendants.show", defendant_id=defendant.id))


@bp.post(f"/{ID}/reveal/<any(ssn, dl):secret>")
@role_required("manager")
def reveal(defendant_id: int, secret: str):
    """Show one secret in full to an owner, admin or manager; audited, never cached."""
    defendant = _defendant(defendant_id)
    try:
        value = services.reveal(defendant, secret)
    except VaultError:
        message = "This value can no longer be decrypted: its key was destroyed."
        return render(
            "defendants/_secret.html", defendant=defendant, secret=secret, error=message, status=410
        )
    return render("defendants/_secret.html", defendant=defendant, secret=secret, value=value)


@bp.post(f"/{ID}/photo")
@role_required("agent")
def upload_photo(defendant_id: int):
    """Replace the defendant's photo."""
    defendant = _defendant(defendant_id)
    upload = request.files.get("photo")
    try:
        services.set_photo(defendant, upload.read() if upload else b"")
    except UploadError as exc:
        flash(str(exc), "error")
    else:
        flash("Photo saved.", "success")
    return redirect(url_for("defendants.show", defendant_id=defendant.id))


@bp.get(f"/{ID}/photo")
@staff_required
def photo(defendant_id: int):
    """The defendant's photo, served only to this agency's staff."""
    defendant = _defendant(defendant_id)
    if not defendant.photo_key:
        abort(404)
    extension = defendant.photo_key.rsplit(".", 1)[-1]
    return Response(
        services.photo_bytes(defendant),
        mimetype=PHOTO_TYPES.get(extension, "image/jpeg"),
        headers={"Cache-Control": "private, no-store"},
    )
