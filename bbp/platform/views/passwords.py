"""Console passwords: the invitation or reset link's form, and asking for a reset link."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import logout_user

from bbp.auth.forms import ForgotPasswordForm, SetPasswordForm
from bbp.kernel import signin_steps
from bbp.kernel.links import InvalidLink
from bbp.platform import admins as services
from bbp.platform import bp
from bbp.platform.tokens import admin_for_token
from bbp.web.rendering import render

PLACE = "the BailBondPro platform console"
FORGOT = {"post_endpoint": "platform.forgot_password_post", "login_endpoint": "platform.login"}


def _invalid_link(exc: InvalidLink):
    return render(
        "auth/link_invalid.html",
        message=str(exc),
        forgot_endpoint="platform.forgot_password",
        status=exc.status,
    )


def _form_page(form, admin, status: int = 200):
    return render(
        "auth/set_password.html",
        form=form,
        user=admin,
        place=PLACE,
        post_endpoint="platform.set_password_post",
        status=status,
    )


@bp.get("/set-password/<token>")
def set_password(token: str):
    """The form to choose a password, from an invitation or a reset link."""
    try:
        admin = admin_for_token(token)
    except InvalidLink as exc:
        return _invalid_link(exc)
    return _form_page(SetPasswordForm(), admin)


@bp.post("/set-password/<token>")
def set_password_post(token: str):
    """Save the password (spending the link and ending other sessions); sign-in comes next."""
    try:
        admin = admin_for_token(token)
        form = SetPasswordForm()
        if not form.validate_on_submit():
            return _form_page(form, admin, status=422)
        services.set_password_from_link(token, form.password.data)
    except InvalidLink as exc:
        return _invalid_link(exc)
    logout_user()
    signin_steps.clear()
    flash("Your password is set. Sign in with it now.", "success")
    return redirect(url_for("platform.login"))


@bp.get("/forgot-password")
def forgot_password():
    """Ask for a reset link by email."""
    return render("auth/forgot_password.html", form=ForgotPasswordForm(), **FORGOT)


@bp.post("/forgot-password")
def forgot_password_post():
    """Email a reset link; the answer is the same whether or not the admin exists."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render("auth/forgot_password.html", form=form, status=422, **FORGOT)
    services.send_reset_link(form.email.data)
    flash("If that email belongs to an active admin, a reset link is on its way.", "info")
    return redirect(url_for("platform.login"))
