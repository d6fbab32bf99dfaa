"""Staff sign-in, sign-out, forgotten and new passwords."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from bbp.accounts import LoginRefused
from bbp.auth import bp, services
from bbp.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from bbp.auth.tokens import InvalidLink, user_for_token
from bbp.rendering import render, safe_next


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render("auth/login.html", form=LoginForm())


@bp.post("/login")
def login_post():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data)
        except LoginRefused as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
    return render("auth/login.html", form=form, status=422)


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        user = user_for_token(token)
    except InvalidLink as exc:
        return render("auth/link_invalid.html", message=str(exc), status=400)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        logout_user()
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render("auth/set_password.html", form=form, user=user, status=status)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_reset_link(form.email.data)
        flash("If that email belongs to an active account, a reset link is on its way.", "info")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render("auth/forgot_password.html", form=form, status=status)
