"""Development's stand-in for Stripe's hosted onboarding (no Stripe key: the fake's account
links lead here, on the agency's host). The owner submits the details, or leaves something due,
and goes back to the link's return url, as Stripe's pages do; a used or expired link goes to the
refresh url, which makes a fresh one. A 404 with a real key or in production."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for

from bbp.auth.roles import role_required
from bbp.billing import stripe_api
from bbp.merchant import accounts
from bbp.merchant.views import bp
from bbp.web.rendering import render

OUTCOMES = ("submit", "leave_due")


def _fake_for(account_id: str):
    """The fake, when the account is the bound agency's own (another's is a 404)."""
    fake = stripe_api.fake()
    if fake is None or current_app.config["BBP_ENV"] == "production":
        abort(404)
    if account_id != accounts.current_id():
        abort(404)
    return fake


@bp.get("/dev/stripe/connect/onboarding/<account_id>")
@role_required("owner")
def fake_onboarding(account_id: str):
    """The stand-in page: the account's id and the two ways out."""
    fake = _fake_for(account_id)
    token = request.args.get("link", "")
    link = fake.account_link(token)
    if link is None or link["account"] != account_id:
        return redirect(url_for("merchant.onboarding_refresh"), 303)
    return render("merchant/fake_onboarding.html", account_id=account_id, token=token)


@bp.post("/dev/stripe/connect/onboarding/<account_id>")
@role_required("owner")
def fake_onboarding_post(account_id: str):
    """Submit the details (the account is enabled) or leave some due; back to the return url."""
    fake = _fake_for(account_id)
    outcome = request.form.get("outcome")
    if outcome not in OUTCOMES:
        abort(400, description="Choose Submit details or Leave something due.")
    link = fake.use_account_link(request.form.get("link", ""))
    if link is None or link["account"] != account_id:
        return redirect(url_for("merchant.onboarding_refresh"), 303)
    if outcome == "submit":
        fake.submit_details(account_id)
    else:
        fake.leave_due(account_id)
    return redirect(link["return_url"], 303)
