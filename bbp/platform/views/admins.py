"""The console's platform admins (superadmins only): list, invite, roles, on and off, resets."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel import search
from bbp.platform import admins as services
from bbp.platform import bp
from bbp.platform.forms import ROLE_HINT, AdminInviteForm, AdminRoleForm
from bbp.platform.models import PlatformAdmin
from bbp.platform.roles import admin_required
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render, wants_partial

PER_PAGE = 25
ID = "<int(max=2147483647):admin_id>"


@bp.get("/admins")
@admin_required("superadmin")
def admins():
    """Every platform admin: role, status, two-step sign-in and last sign-in."""
    q = request.args.get("q", "").strip()
    query = select(PlatformAdmin).order_by(PlatformAdmin.name, PlatformAdmin.email)
    if q:
        query = query.where(search.contains(q, PlatformAdmin.email, PlatformAdmin.name))
    page = paginate(query, PER_PAGE)
    return render("platform/admins.html", "platform/_admin_rows.html", page=page, q=q)


@bp.get("/admins/invite")
@admin_required("superadmin")
def invite_admin():
    """The form to invite a platform admin."""
    return render("platform/admin_invite.html", form=AdminInviteForm(), hint=ROLE_HINT)


@bp.post("/admins/invite")
@admin_required("superadmin")
def invite_admin_post():
    """Invite an admin by email; success redirects so a reload cannot invite twice."""
    form = AdminInviteForm()
    if form.validate_on_submit():
        with refused(form):
            admin = services.invite(form.email.data, form.name.data, form.role.data, current_user)
            flash(f"Invitation emailed to {admin.email}.", "success")
            return redirect(url_for("platform.admins"))
    return render("platform/admin_invite.html", form=form, hint=ROLE_HINT, status=422)


@bp.get(f"/admins/{ID}/role")
@admin_required("superadmin")
def admin_role(admin_id: int):
    """The form to give an admin another role."""
    admin = _admin(admin_id)
    form = AdminRoleForm(role=admin.role)
    return render("platform/admin_role.html", form=form, admin=admin, hint=ROLE_HINT)


@bp.post(f"/admins/{ID}/role")
@admin_required("superadmin")
def admin_role_post(admin_id: int):
    """Change an admin's role (never one's own; the last superadmin stays one)."""
    admin = _admin(admin_id)
    form = AdminRoleForm()
    if form.validate_on_submit():
        with refused(form):
            services.change_role(admin, form.role.data, current_user)
            flash(f"{admin.name or admin.email} is now {admin.role_label}.", "success")
            return redirect(url_for("platform.admins"))
    return render("platform/admin_role.html", form=form, admin=admin, hint=ROLE_HINT, status=422)


@bp.post(f"/admins/{ID}/deactivate")
@admin_required("superadmin")
def deactivate_admin(admin_id: int):
    """Switch an admin off; their sessions end at once."""
    return _row_action(admin_id, lambda admin: services.set_active(admin, False, current_user))


@bp.post(f"/admins/{ID}/reactivate")
@admin_required("superadmin")
def reactivate_admin(admin_id: int):
    """Switch an admin back on."""
    return _row_action(admin_id, lambda admin: services.set_active(admin, True, current_user))


@bp.post(f"/admins/{ID}/two-step/reset")
@admin_required("superadmin")
def reset_admin_two_step(admin_id: int):
    """Forget an admin's authenticator app: they set one up at their next sign-in."""
    return _row_action(admin_id, lambda admin: services.reset_two_step(admin, current_user))


def _admin(admin_id: int) -> PlatformAdmin:
    return db.session.get(PlatformAdmin, admin_id) or abort(404)


def _row_action(admin_id: int, action):
    """Run a row action; htmx swaps the row, plain forms get a flash and a redirect."""
    admin = _admin(admin_id)
    with refused(flashed=not wants_partial()) as refusal:
        action(admin)
    if wants_partial():
        status = 409 if refusal else 200
        return render("platform/_admin_row.html", admin=admin, error=refusal.message, status=status)
    return redirect(url_for("platform.admins"))
