"""Platform admin sign-in and the console's agency list."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from bbp.auth.forms import LoginForm
from bbp.extensions import login_manager
from bbp.kernel import search
from bbp.kernel.errors import LoginRefused
from bbp.platform import bp, services
from bbp.tenancy.models import Tenant
from bbp.web.rendering import paginate, render, safe_next

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
    """The platform admin sign-in form."""
    return render("platform/login.html", form=LoginForm())


@bp.post("/login")
def login_post():
    """Sign a platform admin in under the lockout policy."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            admin = services.sign_in(form.email.data, form.password.data)
        except LoginRefused as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(admin)
            session.permanent = True
            return redirect(safe_next(request.args.get("next"), url_for("platform.console")))
    return render("platform/login.html", form=form, status=422)


@bp.post("/logout")
@admin_required
def logout():
    """Sign a platform admin out."""
    services.sign_out(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("platform.login"))


@bp.get("/")
@admin_required
def console():
    """Every agency, searchable as you type."""
    q = request.args.get("q", "").strip().lower()
    query = select(Tenant).order_by(Tenant.name)
    if q:
        query = query.where(search.contains(q, Tenant.slug, Tenant.name))
    page = paginate(query, PER_PAGE)
    return render("platform/console.html", "platform/_rows.html", page=page, q=q)
