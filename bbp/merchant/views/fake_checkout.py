"""Development's stand-in for Stripe's hosted Checkout page, on the agency's host.

Only while the fake Stripe answers (no STRIPE_SECRET_KEY, never in production): a Checkout
session's url leads here (`bbp.billing.fake_checkout`). The page shows the agency and the amount,
and its buttons pay with the test card 4242 (the fake emits checkout.session.completed and
payment_intent.succeeded on the connected account, then the payer goes to the success url), are
declined (the session stays open), or cancel (back to the cancel url). A session of another
agency's account is a 404, as is every page here with a real key.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from sqlalchemy import select

from bbp.billing import stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.merchant.models import MerchantAccount
from bbp.merchant.views import bp
from bbp.web.rendering import render

PATH = "/dev/stripe/checkout/<account>/<session_id>"


def _session(account: str, session_id: str) -> dict:
    """The session, if the fake holds it on this agency's own Stripe account."""
    fake = stripe_api.fake()
    if fake is None or current_app.config["BBP_ENV"] == "production":
        abort(404)
    own = db.session.scalar(
        select(MerchantAccount.id).where(MerchantAccount.stripe_account_id == account)
    )
    if own is None:
        abort(404)  # another agency's account (or none): as if it did not exist
    with fake.acting_as(account):
        try:
            return fake._retrieve_checkout_session({}, session_id)
        except StripeFault:
            abort(404)


@bp.get(PATH)
def fake_checkout(account: str, session_id: str):
    """The stand-in page: the agency, the amount, and the test buttons."""
    session = _session(account, session_id)
    return render(
        "merchant/fake_checkout.html",
        session=session,
        account=account,
        declined=request.args.get("declined") == "1",
    )


@bp.post(PATH)
def fake_checkout_post(account: str, session_id: str):
    """Pay, be declined, or cancel, as the hosted page's buttons would."""
    session = _session(account, session_id)
    outcome = request.form.get("outcome", "")
    if outcome == "cancel" and session["cancel_url"]:
        return redirect(session["cancel_url"], 303)
    if outcome not in ("succeed", "decline") or session["status"] != "open":
        return redirect(url_for("merchant.fake_checkout", account=account, session_id=session_id))
    fake = stripe_api.fake()
    with fake.acting_as(account):
        done = fake.complete(session_id, outcome)
    if done["status"] != "complete":
        declined = outcome == "decline"
        return redirect(
            url_for(
                "merchant.fake_checkout",
                account=account,
                session_id=session_id,
                declined="1" if declined else None,
            ),
            303,
        )
    return redirect(done["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)
