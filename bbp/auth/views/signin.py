"""Staff sign-in, sign-out, forgotten and new passwords."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from bbp.auth import bp, services
from bbp.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from bbp.auth.tokens import user_for_token
from bbp.auth.twostep import staff_needs_second_step
from bbp.kernel import signin_steps
from bbp.kernel.links import InvalidLink
from bbp.kernel.twostep import enrolled
from bbp.web.refusals import refused
from bbp.web.rendering import render, safe_next


@bp.get("/login")
def login():
    """The staff sign-in form (signed-in staff go straight to the dashboard)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render("auth/login.html", form=LoginForm())


@bp.post("/login")
def login_post():
    """Sign in under the lockout policy; a refusal keeps the typed email."""
    form = LoginForm()
    if form.validate_on_submit():
        with refused(form):
            user = services.sign_in(form.email.data, form.password.data)
            if staff_needs_second_step(user):  # not signed in until the code is right
                signin_steps.hold(user.get_id(), request.args.get("next"))
                return redirect(url_for("auth.two_step" if enrolled(user) else "auth.enroll"))
            login_user(user)
            session.permanent = True  # sliding expiry: PERMANENT_SESSION_LIFETIME of inactivity
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
    return render("auth/login.html", form=form, status=422)


@bp.post("/logout")
@login_required
def logout():
    """Sign out and say so."""
    services.sign_out(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _invalid_link(exc: InvalidLink):
    """Explain why a set-password link cannot be used."""
    return render("auth/link_invalid.html", message=str(exc), status=400)


@bp.get("/set-password/<token>")
def set_password(token: str):
    """The form to choose a password, from an invitation or reset link."""
    try:
        user = user_for_token(token)
    except InvalidLink as exc:
        return _invalid_link(exc)
    return render("auth/set_password.html", form=SetPasswordForm(), user=user)


@bp.post("/set-password/<token>")
def set_password_post(token: str):
    """Save the new password (which also spends the link and ends other sessions)."""
    try:
        user = user_for_token(token)
        form = SetPasswordForm()
        if not form.validate_on_submit():
            return render("auth/set_password.html", form=form, user=user, status=422)
        services.set_password_from_link(token, form.password.data)
    except InvalidLink as exc:
        return _invalid_link(exc)
    logout_user()
    flash("Your password is set. Sign in with it now.", "success")
    return redirect(url_for("auth.login"))


@bp.get("/forgot-password")
def forgot_password():
    """Ask for a reset link by email."""
    return render("auth/forgot_password.html", form=ForgotPasswordForm())


@bp.post("/forgot-password")
def forgot_password_post():
    """Email a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render("auth/forgot_password.html", form=form, status=422)
    services.send_reset_link(form.email.data)
    flash("If that email belongs to an active account, a reset link is on its way.", "info")
    return redirect(url_for("auth.login"))
