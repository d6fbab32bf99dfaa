"""Settings → Payments (owners only): connect the agency's Stripe account, finish Stripe's
onboarding, see what Stripe still requires, and disconnect."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.merchant import accounts, disconnecting, fees, requirements
from bbp.merchant.forms import DisconnectForm
from bbp.merchant.views import bp
from bbp.merchant.views.fake_dashboard import account_url
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render


def _page(account, form: DisconnectForm | None = None, status: int = 200, template=None):
    plan = fees.plan_of(require_tenant().id)
    due = (
        requirements.groups(account.past_due, account.currently_due, account.eventually_due)
        if account is not None
        else []
    )
    return render(
        template or "merchant/settings.html",
        account=account,
        due=due,
        disabled=requirements.disabled_reason(account.disabled_reason) if account else None,
        fee=fees.label(plan.application_fee_bps, plan.application_fee_cents) if plan else None,
        dashboard_url=account_url(),
        form=form,
        status=status,
    )


def _onboarding():
    """A fresh Stripe onboarding link for the agency's account, and off to it."""
    with refused():
        url = accounts.onboarding_url(
            url_for("merchant.onboarding_return", _external=True),
            url_for("merchant.onboarding_refresh", _external=True),
        )
        return redirect(url, 303)
    return redirect(url_for("merchant.payments_settings"), 303)


@bp.get("/settings/payments")
@role_required("owner")
def payments_settings():
    """The agency's Stripe account: connected or not, enabled or not, and what is due."""
    return _page(accounts.current())


@bp.post("/settings/payments/connect")
@role_required("owner")
def connect():
    """Create (or find) the agency's connected account, then Stripe's onboarding."""
    with refused():
        accounts.connect(current_user)
        return _onboarding()
    return redirect(url_for("merchant.payments_settings"), 303)


@bp.post("/settings/payments/continue")
@role_required("owner")
def continue_setup():
    """Back to Stripe's onboarding for whatever is still due."""
    return _onboarding()


@bp.get("/settings/payments/refresh")
@role_required("owner")
def onboarding_refresh():
    """Stripe's refresh url (the link expired or was used): a fresh link."""
    return _onboarding()


@bp.get("/settings/payments/return")
@role_required("owner")
def onboarding_return():
    """Back from onboarding: the account as Stripe says it is now (the redirect says nothing)."""
    with refused():
        account = accounts.refresh()
        if account is not None and account.charges_enabled:
            flash("Stripe has the details it needs: online payments are on.", "success")
        elif account is not None:
            flash("Stripe still needs a few details before the agency can take payments.")
    return redirect(url_for("merchant.payments_settings"), 303)


@bp.get("/settings/payments/disconnect")
@role_required("owner")
def disconnect():
    """What disconnecting stops, and the typed confirmation."""
    account = accounts.current()
    if account is None:
        abort(404, description="The agency's Stripe account is not connected.")
    return _page(account, DisconnectForm(), template="merchant/disconnect.html")


@bp.post("/settings/payments/disconnect")
@role_required("owner")
def disconnect_post():
    """Stop online payments: released, autopay off, open Checkout sessions expired."""
    form = DisconnectForm()
    if form.validate_on_submit():
        with refused(form) as refusal:
            disconnecting.disconnect(current_user, form.confirm.data)
            flash("Online payments are off. The Stripe account stays the agency's.", "success")
            return redirect(url_for("merchant.payments_settings"), 303)
        if refusal.status == 409:  # disconnected meanwhile: the page says so
            flash(refusal.message, "error")
            return redirect(url_for("merchant.payments_settings"), 303)
    template = "merchant/disconnect.html"
    return _page(accounts.current(), form, status=422, template=template)
