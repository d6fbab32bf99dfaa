"""Platform admin sign-in and the console's agency list."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from bbp.accounts import LoginRefused, sign_in_account
from bbp.audit.services import record
from bbp.auth.forms import LoginForm
from bbp.extensions import db, login_manager
from bbp.platform import bp
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.rendering import render, safe_next
from bbp.tenancy.models import Tenant

PER_PAGE = 25


def admin_required(view):
    """Only signed-in platform admins."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_platform_admin:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


@bp.get("/login")
def login():
    return render("platform/login.html", form=LoginForm())


@bp.post("/login")
def login_post():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        try:
            sign_in_account(admin, email, form.password.data, PlatformAuditEntry)
        except LoginRefused as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(admin)
            return redirect(safe_next(request.args.get("next"), url_for("platform.console")))
    return render("platform/login.html", form=form, status=422)


@bp.post("/logout")
@admin_required
def logout():
    record("auth.sign_out", current_user, actor=current_user, model=PlatformAuditEntry)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("platform.login"))


@bp.get("/")
@admin_required
def console():
    q = request.args.get("q", "").strip().lower()
    query = select(Tenant).order_by(Tenant.name)
    if q:
        query = query.where(Tenant.slug.contains(q) | Tenant.name.ilike(f"%{q}%"))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render("platform/console.html", "platform/_rows.html", page=page, q=q)
