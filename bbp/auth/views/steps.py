"""Staff's second sign-in step and their own account page with its "Two-step sign-in" section.

The step pages serve a half-signed-in session (the password was right; nobody is signed in
until the code is); the account pages serve a signed-in staff member enrolling of their own
accord. Both enroll through `bbp.auth.twostep` with the agency's data key.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from bbp.auth import bp
from bbp.auth.forms import CodeForm, EnrollForm
from bbp.auth.models import User
from bbp.auth.roles import staff_required
from bbp.auth.twostep import (
    STAFF,
    agency_requires_it,
    check_code,
    confirm_enrollment,
    finish,
    pending_account,
    secret_to_enroll,
)
from bbp.kernel import twostep
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render, safe_next


def _pending() -> User | None:
    return pending_account(User, f"staff:{require_tenant().id}:")


def _start_again():
    flash("Sign in again: the sign-in took too long or was not started.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/two-step")
def two_step():
    """Ask an enrolled staff member for the code."""
    user = _pending()
    if user is None or not twostep.enrolled(user):
        return _start_again()
    return render("auth/two_step.html", form=CodeForm(), action=url_for("auth.two_step_post"))


@bp.post("/two-step")
def two_step_post():
    """Check the code and sign in; a wrong one is refused beside the field."""
    user = _pending()
    if user is None or not twostep.enrolled(user):
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        with refused(form):
            if check_code(user, STAFF, form.code.data) == "recovery":
                flash("You used a recovery code; each works once.", "warning")
            return redirect(safe_next(finish(user), url_for("dashboard.index")))
    action = url_for("auth.two_step_post")
    return render("auth/two_step.html", form=form, action=action, status=422)


@bp.get("/two-step/enroll")
def enroll():
    """Set up an authenticator app before signing in (the agency requires it)."""
    user = _pending()
    if user is None or twostep.enrolled(user):
        return _start_again()
    return _enroll_page(user, EnrollForm(), "auth.enroll_post", required=True)


@bp.post("/two-step/enroll")
def enroll_post():
    """Confirm the app with a code, sign in, and show the recovery codes once."""
    user = _pending()
    if user is None or twostep.enrolled(user):
        return _start_again()
    form = EnrollForm()
    if form.validate_on_submit():
        with refused(form):
            codes = confirm_enrollment(user, STAFF, form.code.data)
            target = safe_next(finish(user), url_for("dashboard.index"))
            return render("auth/recovery_codes.html", codes=codes, target=target)
    return _enroll_page(user, form, "auth.enroll_post", required=True, status=422)


@bp.get("/account")
@staff_required
def account():
    """The signed-in staff member's own account, with its two-step sign-in section."""
    return render("auth/account.html", required=agency_requires_it())


@bp.get("/account/two-step")
@staff_required
def account_enroll():
    """Set up two-step sign-in from one's own account."""
    if twostep.enrolled(current_user):
        return redirect(url_for("auth.account"))
    return _enroll_page(_me(), EnrollForm(), "auth.account_enroll_post")


@bp.post("/account/two-step")
@staff_required
def account_enroll_post():
    """Turn two-step sign-in on for oneself; the recovery codes are shown once."""
    if twostep.enrolled(current_user):
        return redirect(url_for("auth.account"))
    form = EnrollForm()
    if form.validate_on_submit():
        with refused(form):
            codes = confirm_enrollment(_me(), STAFF, form.code.data)
            target = url_for("auth.account")
            return render("auth/recovery_codes.html", codes=codes, target=target)
    return _enroll_page(_me(), form, "auth.account_enroll_post", status=422)


def _me() -> User:
    """The signed-in account itself (not Flask-Login's proxy), for row locks."""
    return current_user._get_current_object()


def _enroll_page(user: User, form, endpoint: str, required: bool = False, status: int = 200):
    secret = secret_to_enroll(user, STAFF)
    issuer = f"{twostep.ISSUER} {require_tenant().name}"
    return render(
        "auth/two_step_enroll.html",
        form=form,
        qr=twostep.qr_svg(twostep.provisioning_uri(secret, user.email, issuer)),
        secret=twostep.grouped(secret),
        action=url_for(endpoint),
        required=required,
        status=status,
    )
