"""The fake Stripe's hosted invoice pages (development only: no Stripe key).

Stripe hosts an invoice's page and PDF on its own domains; the fake's invoices link to
`/dev/stripe/invoices/<id>` instead, opened from the agency's billing page and the console. On
an agency host an admin sees only invoices of the agency's own Stripe customer (another's is a
404); on the platform host any signed-in platform admin sees any.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g

from bbp.auth.roles import role_required
from bbp.billing import accounts, invoice_pages, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.platform.roles import admin_required
from bbp.tenancy import require_tenant
from bbp.web.rendering import pdf_response, render

bp = Blueprint("stripe_dev", __name__, url_prefix="/dev/stripe")


@bp.get("/invoices/<invoice_id>")
def invoice(invoice_id: str):
    """The invoice's page: number, period, lines, amounts and status."""
    return _by_site(invoice_id, pdf=False)


@bp.get("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str):
    """The invoice as a PDF."""
    return _by_site(invoice_id, pdf=True)


def _by_site(invoice_id: str, pdf: bool):
    if stripe_api.fake() is None or current_app.config["BBP_ENV"] == "production":
        abort(404)  # with a key, invoices live on Stripe's own pages
    if g.site == "tenant":
        return _agency_invoice(invoice_id, pdf)
    if g.site == "platform":
        return _console_invoice(invoice_id, pdf)
    abort(404)


@role_required("admin")
def _agency_invoice(invoice_id: str, pdf: bool):
    return _shown(own_invoice(invoice_id), pdf, payable=True)


def own_invoice(invoice_id: str) -> dict:
    """The invoice, if it is the bound agency's own (another agency's is a 404)."""
    account = accounts.account_of(require_tenant().id)
    found = _found(invoice_id)
    if found is None or account is None or found["customer"] != account.stripe_customer_id:
        abort(404)
    return found


@admin_required()
def _console_invoice(invoice_id: str, pdf: bool):
    found = _found(invoice_id)
    if found is None:
        abort(404)
    return _shown(found, pdf)


def _found(invoice_id: str) -> dict | None:
    try:
        return stripe_api.fake().get("invoices", invoice_id)
    except StripeFault:
        return None


def _shown(found: dict, pdf: bool, payable: bool = False):
    page = invoice_pages.page(found)
    if pdf:
        return pdf_response(invoice_pages.pdf(page), f"invoice {page.number}")
    payable = payable and found["status"] == "open" and found["amount_remaining"] > 0
    return render("billing/fake_invoice.html", invoice=page, payable=payable)
