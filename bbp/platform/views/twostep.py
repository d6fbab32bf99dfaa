"""The console's second sign-in step: a code (or a recovery code), or enrollment first.

None of these routes signs anyone in until the code is right; a half-signed-in session holds
only `bbp.kernel.signin_steps`' marker, which `admin_required` does not accept.
"""

from __future__ import annotations

from flask import flash, redirect, url_for

from bbp.auth.forms import CodeForm, EnrollForm
from bbp.auth.twostep import check_code, confirm_enrollment, finish, secret_to_enroll
from bbp.kernel import twostep
from bbp.platform import bp
from bbp.platform.twostep import KEEPER, pending_admin
from bbp.web.refusals import refused
from bbp.web.rendering import render, safe_next


def _start_again():
    flash("Sign in again: the sign-in took too long or was not started.", "info")
    return redirect(url_for("platform.login"))


@bp.get("/two-step")
def two_step():
    """Ask an enrolled admin for the code."""
    admin = pending_admin()
    if admin is None or not twostep.enrolled(admin):
        return _start_again()
    return _code_page(CodeForm())


@bp.post("/two-step")
def two_step_post():
    """Check the code and sign in; a wrong one is refused beside the field."""
    admin = pending_admin()
    if admin is None or not twostep.enrolled(admin):
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        with refused(form):
            method = check_code(admin, KEEPER, form.code.data)
            if method == "recovery":
                flash("You used a recovery code; each works once.", "warning")
            return redirect(safe_next(finish(admin), url_for("platform.console")))
    return _code_page(form, status=422)


def _code_page(form, status: int = 200):
    return render(
        "auth/two_step.html", form=form, action=url_for("platform.two_step_post"), status=status
    )


@bp.get("/two-step/enroll")
def enroll():
    """Set up the authenticator app: every platform admin must before reaching the console."""
    admin = pending_admin()
    if admin is None or twostep.enrolled(admin):
        return _start_again()
    return _enroll_page(admin, EnrollForm())


@bp.post("/two-step/enroll")
def enroll_post():
    """Confirm the app with a code, sign in, and show the recovery codes once."""
    admin = pending_admin()
    if admin is None or twostep.enrolled(admin):
        return _start_again()
    form = EnrollForm()
    if form.validate_on_submit():
        with refused(form):
            codes = confirm_enrollment(admin, KEEPER, form.code.data)
            target = safe_next(finish(admin), url_for("platform.console"))
            return render("auth/recovery_codes.html", codes=codes, target=target)
    return _enroll_page(admin, form, status=422)


def _enroll_page(admin, form, status: int = 200):
    secret = secret_to_enroll(admin, KEEPER)
    uri = twostep.provisioning_uri(secret, admin.email, f"{twostep.ISSUER} console")
    return render(
        "auth/two_step_enroll.html",
        form=form,
        qr=twostep.qr_svg(uri),
        secret=twostep.grouped(secret),
        action=url_for("platform.enroll_post"),
        required=True,
        status=status,
    )
