"""Team page: list and search staff, invite, switch accounts off and on."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.auth.models import User
from bbp.auth.roles import role_required
from bbp.extensions import db
from bbp.kernel import search
from bbp.kernel.errors import DomainError
from bbp.staff import bp, services
from bbp.staff.forms import ROLE_HINT, InviteForm, RoleForm, offer_only
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render, wants_partial

PER_PAGE = 20
STATUS_FILTERS = {
    "active": (User.active, User.password_hash.is_not(None)),
    "pending": (User.active, User.password_hash.is_(None)),
    "deactivated": (~User.active,),
}


@bp.get("/")
@role_required("admin")
def index():
    """The team, searchable by name or email and filterable by status."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    query = select(User).order_by(User.name, User.email)
    if q:
        query = query.where(search.contains(q, User.email, User.name))
    if status in STATUS_FILTERS:
        query = query.where(*STATUS_FILTERS[status])
    page = paginate(query, PER_PAGE)
    return render(
        "staff/index.html",
        "staff/_rows.html",
        page=page,
        q=q,
        status_filter=status,
        two_step_required=services.two_step_required(),
    )


@bp.get("/invite")
@role_required("admin")
def invite():
    """The invitation form."""
    form = InviteForm()
    offer_only(form, current_user.grantable_roles())
    return render("staff/invite.html", form=form, hint=ROLE_HINT)


@bp.post("/invite")
@role_required("admin")
def invite_post():
    """Invite someone; success redirects so a reload cannot invite twice."""
    form = InviteForm()
    if form.validate_on_submit():
        with refused(form):
            invitation = services.invite(
                form.email.data,
                form.name.data,
                form.role.data,
                current_user,
                phone=form.phone.data,
            )
            flash(f"Invitation emailed to {invitation.user.email}.", "success")
            return redirect(url_for("staff.invited", user_id=invitation.user.id))
    offer_only(form, current_user.grantable_roles())
    return render("staff/invite.html", form=form, hint=ROLE_HINT, status=422)


@bp.get("/<int(max=2147483647):user_id>/invited")
@role_required("admin")
def invited(user_id: int):
    """The invitation link of someone who has not joined yet, to copy and text."""
    member = _member(user_id)
    try:
        link = services.pending_invite_link(member, current_user)
    except DomainError as exc:
        flash(exc.message, "info")
        return redirect(url_for("staff.index"))
    return render("staff/invited.html", member=member, link=link)


@bp.get("/<int(max=2147483647):user_id>/role")
@role_required("admin")
def role(user_id: int):
    """The form to give a team member another role."""
    member = _member(user_id)
    with refused():
        roles = services.role_choices(member, current_user)
        form = RoleForm(role=member.role)
        offer_only(form, roles)
        return render("staff/role.html", form=form, member=member, hint=ROLE_HINT)
    return redirect(url_for("staff.index"))


@bp.post("/<int(max=2147483647):user_id>/role")
@role_required("admin")
def role_post(user_id: int):
    """Change a team member's role; the same rule as every other team action."""
    member = _member(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        with refused(form):
            services.change_role(member, form.role.data, current_user)
            flash(f"{member.name or member.email} is now {member.role_label}.", "success")
            return redirect(url_for("staff.index"))
    offer_only(form, current_user.grantable_roles())
    return render("staff/role.html", form=form, member=member, hint=ROLE_HINT, status=422)


def _member(user_id: int) -> User:
    """A staff member of this agency, or 404."""
    return db.session.get(User, user_id) or abort(404)


def _row_action(user_id: int, action):
    """Run a row action; htmx swaps the row, plain forms get a flash and a redirect."""
    user = _member(user_id)
    with refused(flashed=not wants_partial()) as refusal:
        action(user, current_user)
    if refusal and wants_partial():
        return render("staff/_row.html", member=user, error=refusal.message, status=409)
    if refusal:
        return redirect(url_for("staff.index"))
    if wants_partial():
        return render("staff/_row.html", member=user)
    return redirect(url_for("staff.index"))


@bp.post("/<int(max=2147483647):user_id>/deactivate")
@role_required("admin")
def deactivate(user_id: int):
    """Switch an account off and sign it out everywhere."""
    return _row_action(user_id, services.deactivate)


@bp.post("/<int(max=2147483647):user_id>/reactivate")
@role_required("admin")
def reactivate(user_id: int):
    """Switch an account back on."""
    return _row_action(user_id, services.reactivate)


@bp.post("/<int(max=2147483647):user_id>/link")
@role_required("admin")
def password_link(user_id: int):
    """Re-issue a set-password link (shown for invites, emailed otherwise)."""
    user = _member(user_id)
    with refused():
        if services.send_password_link(user, current_user):
            return redirect(url_for("staff.invited", user_id=user.id))
        flash(f"A link to choose a new password was emailed to {user.email}.", "success")
    return redirect(url_for("staff.index"))


@bp.post("/<int(max=2147483647):user_id>/two-step/reset")
@role_required("admin")
def reset_two_step(user_id: int):
    """Forget a team member's authenticator app (a lost phone)."""
    return _row_action(user_id, services.reset_two_step)


@bp.post("/two-step")
@role_required("owner")
def require_two_step():
    """Require (or stop requiring) two-step sign-in of everyone in the agency."""
    required = request.form.get("required") == "yes"
    with refused():
        services.require_two_step(required, current_user)
        flash(
            "Everyone now sets up two-step sign-in at their next sign-in."
            if required
            else "Two-step sign-in is now each person's choice.",
            "success",
        )
    return redirect(url_for("staff.index"))
