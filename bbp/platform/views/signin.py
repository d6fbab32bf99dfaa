"""Platform admin sign-in and sign-out."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, logout_user

from bbp.auth.forms import LoginForm
from bbp.kernel import signin_steps, twostep
from bbp.kernel.errors import LoginRefused
from bbp.platform import bp, services
from bbp.platform.roles import admin_required
from bbp.web.rendering import render


@bp.get("/login")
def login():
    """The platform admin sign-in form."""
    return render("platform/login.html", form=LoginForm())


@bp.post("/login")
def login_post():
    """Check the password under the lockout policy; the second step signs in."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            admin = services.sign_in(form.email.data, form.password.data)
        except LoginRefused as exc:
            form.form_errors.append(str(exc))
        else:
            signin_steps.hold(admin.get_id(), request.args.get("next"))
            step = "platform.two_step" if twostep.enrolled(admin) else "platform.enroll"
            return redirect(url_for(step))
    return render("platform/login.html", form=form, status=422)


@bp.post("/logout")
@admin_required()
def logout():
    """Sign a platform admin out."""
    services.sign_out(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("platform.login"))
