"""The agency page's archives section: make an archive, watch its progress, restore it, and
download it inside open support access."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, stream_with_context, url_for
from flask_login import current_user

from bbp.dataio import archives
from bbp.extensions import db
from bbp.platform import bp
from bbp.platform.forms import RestoreForm
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.restore import restore_archive
from bbp.platform.roles import admin_required
from bbp.platform.support import downloads
from bbp.tenancy import tenant_by_slug
from bbp.tenancy.models import Tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render


def _agency(tenant_id: int) -> Tenant:
    return db.session.get(Tenant, tenant_id) or abort(404)


def section_context(agency: Tenant, form: RestoreForm | None = None) -> dict:
    """What platform/_archives.html needs (the agency page passes this when it includes it)."""
    found = archives.archives_of(agency.id)
    ready = next((a for a in found if a.status == "ready"), None)
    support_open = downloads.open_grant(current_user, agency.id) is not None
    return {
        "agency": agency,
        "archives": found,
        "restorable": ready,
        "form": form or RestoreForm(),
        "support_open": support_open,
    }


def _page(agency: Tenant, form: RestoreForm | None = None, status: int = 200):
    context = section_context(agency, form)
    return render("platform/archives.html", "platform/_archives.html", status=status, **context)


@bp.get("/agencies/<int:tenant_id>/archives")
@admin_required()
def archives_page(tenant_id: int):
    """The agency's archives: counts, sizes and progress, never their content."""
    return _page(_agency(tenant_id))


@bp.post("/agencies/<int:tenant_id>/archives")
@admin_required("superadmin")
def archive_create(tenant_id: int):
    """Queue a new archive of the agency."""
    agency = _agency(tenant_id)
    with refused():
        archives.start(tenant_by_slug(agency.slug), current_user, PlatformAuditEntry)
        flash("The archive is being made: progress shows below.", "success")
    return redirect(url_for("platform.agency", slug=agency.slug) + "#agency-archives")


@bp.post("/agencies/<int:tenant_id>/archives/<int:archive_id>/restore")
@admin_required("superadmin")
def archive_restore(tenant_id: int, archive_id: int):
    """Restore one of the agency's archives into a new agency."""
    agency = _agency(tenant_id)
    made = db.session.get(archives.AgencyArchive, archive_id)
    if made is None or made.tenant_id != agency.id:
        abort(404)
    form = RestoreForm()
    if form.validate_on_submit():
        with refused(form, field="slug"):
            restored = restore_archive(archive_id, form.slug.data.strip(), current_user)
            flash(
                f"Restored as {restored.name} ({restored.slug}), closed: activate it when "
                "the original no longer runs.",
                "success",
            )
            return redirect(url_for("platform.agency", slug=restored.slug))
    return _page(agency, form, status=422)


@bp.post("/agencies/<int:tenant_id>/archives/<int:archive_id>/download")
@admin_required("superadmin", "support")
def archive_download(tenant_id: int, archive_id: int):
    """Download an archive: only inside open support access to the agency, audited twice."""
    agency = _agency(tenant_id)
    name = f"{agency.slug}-archive-{archive_id}.tar"
    with refused():
        chunks = downloads.download(current_user, tenant_id, archive_id)
        return Response(
            stream_with_context(chunks),
            mimetype="application/x-tar",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )
    return redirect(url_for("platform.agency", slug=agency.slug) + "#agency-archives")
