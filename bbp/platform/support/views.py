"""The agency side of support access: the owner answers, and the admin enters and leaves."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from bbp.auth.roles import role_required
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.links import InvalidLink
from bbp.platform.support import bp, services
from bbp.platform.support.forms import PolicyForm
from bbp.platform.support.models import SupportGrant
from bbp.platform.support.session import SupportVisitor, visitor, without_approval
from bbp.tenancy import require_tenant
from bbp.web.rendering import render

HISTORY = 20


def _page(form: PolicyForm, status: int = 200):
    query = (
        select(SupportGrant)
        .where(SupportGrant.tenant_id == require_tenant().id)
        .order_by(SupportGrant.requested_at.desc(), SupportGrant.id.desc())
        .limit(HISTORY)
    )
    return render(
        "support/index.html", grants=list(db.session.scalars(query)), form=form, status=status
    )


@bp.get("/")
@role_required("owner")
def index():
    """Requests to answer, open access to end, and the owner's support setting."""
    return _page(PolicyForm(without_approval=without_approval()))


def _answer(answer: Callable[[int], SupportGrant], grant_id: int, done: str):
    """Run the owner's answer; another agency's request stays a 404, other refusals flash."""
    try:
        grant = answer(grant_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(done.format(minutes=grant.minutes), "success")
    return redirect(url_for("support.index"))


@bp.post("/<int:grant_id>/approve")
@role_required("owner")
def approve(grant_id: int):
    """Let the admin in for the minutes asked."""
    return _answer(services.approve, grant_id, "Support access approved for {minutes} minutes.")


@bp.post("/<int:grant_id>/deny")
@role_required("owner")
def deny(grant_id: int):
    """Refuse the request."""
    return _answer(services.deny, grant_id, "Support access denied.")


@bp.post("/<int:grant_id>/end")
@role_required("owner")
def end(grant_id: int):
    """End open access early."""
    return _answer(services.end_by_owner, grant_id, "Support access ended.")


@bp.post("/policy")
@role_required("owner")
def policy():
    """Save whether support may enter without approval."""
    form = PolicyForm()
    if form.validate_on_submit():
        services.set_policy(form.without_approval.data)
        flash("Support setting saved.", "success")
        return redirect(url_for("support.index"))
    return _page(form, status=422)


@bp.get("/enter/<token>")
def enter(token: str):
    """The hand-over page: opening it spends nothing, its button does."""
    try:
        grant = services.read_entry(token)
    except InvalidLink as exc:
        return render("support/enter.html", error=exc.message, status=exc.status)
    return render("support/enter.html", grant=grant, token=token, error=None)


@bp.post("/enter/<token>")
def enter_post(token: str):
    """Spend the link and sign in as this agency's support session."""
    try:
        grant = services.enter(token)
    except InvalidLink as exc:
        return render("support/enter.html", error=exc.message, status=exc.status)
    session.clear()  # whatever this browser held on this host is not the support session's
    login_user(SupportVisitor(grant))
    return redirect(url_for("dashboard.index"))


@bp.post("/end")
@role_required("viewer")
def end_session():
    """The admin leaves: the grant ends and this session with it."""
    support = visitor()
    if support is None:
        abort(404)
    services.end_by_visitor(support.grant_id)
    logout_user()
    flash("Support access ended. You are signed out of this agency.", "info")
    return redirect(url_for("support.left"))


@bp.get("/ended")
def left():
    """Where a support session lands when it ends."""
    return render("support/ended.html")
