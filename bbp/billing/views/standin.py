"""Development's stand-in for Stripe's customer portal, on the agency's host.

Only while the fake Stripe answers (no STRIPE_SECRET_KEY): a portal session's url leads here,
where the owner saves Stripe's test card and goes back, as the real portal lets them; and the
fake's invoice page pays an open invoice here, as Stripe's hosted invoice page would.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for

from bbp.auth.roles import role_required
from bbp.billing import accounts, simulation, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.views import fake_invoices
from bbp.tenancy import require_tenant
from bbp.web.rendering import render

bp = Blueprint("billing_dev", __name__, url_prefix="/dev/billing-portal")


def _session(session_id: str) -> dict:
    """The portal session, if the fake holds it and it is for the bound agency's customer."""
    fake = stripe_api.fake()
    if fake is None or current_app.config["BBP_ENV"] == "production":
        abort(404)
    account = accounts.account_of(require_tenant().id)
    try:
        session = fake.get("portal_sessions", session_id)
    except StripeFault:
        abort(404)
    if account is None or session["customer"] != account.stripe_customer_id:
        abort(404)  # another agency's session: as if it did not exist
    return session


@bp.get("/<session_id>")
@role_required("owner")
def portal(session_id: str):
    """The stand-in page: the card on file and a button to save the test card."""
    session = _session(session_id)
    fake = stripe_api.fake()
    customer = fake.get("customers", session["customer"])
    card_id = (customer.get("invoice_settings") or {}).get("default_payment_method")
    card = fake.get("payment_methods", card_id)["card"] if card_id else None
    return render("billing/standin.html", session=session, customer=customer, card=card)


@bp.post("/<session_id>/card")
@role_required("owner")
def save_card(session_id: str):
    """Save Stripe's test Visa as the default card and go back, as the portal does."""
    session = _session(session_id)
    stripe_api.fake().save_test_card(session["customer"])
    flash("Test card (Visa ending 4242) saved as the default card.", "success")
    return redirect(session["return_url"], 303)


@bp.post("/invoices/<invoice_id>/pay")
@role_required("admin")
def pay_invoice(invoice_id: str):
    """Pay an open invoice with the test card, as Stripe's hosted invoice page would."""
    if stripe_api.fake() is None or current_app.config["BBP_ENV"] == "production":
        abort(404)
    found = fake_invoices.own_invoice(invoice_id)  # another agency's invoice is a 404
    if found["status"] == "open":
        simulation.pay_invoice(invoice_id)
        flash("Paid with the test card. The account is paid up once Stripe's event arrives.")
    return redirect(url_for("stripe_dev.invoice", invoice_id=invoice_id), 303)
