"""The fake Stripe's customer-portal sessions (a mixin of `FakeStripe`).

Stripe's portal is a page on billing.stripe.com; with no key there is none, so a session's
url is our own development stand-in (`/dev/billing-portal/<id>` on the host of the session's
return url), where the owner saves a test card and goes back (docs/billing.md, "The portal").
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from bbp.billing.fake_resources import StripeFault

STANDIN_PATH = "/dev/billing-portal/"
TEST_CARD = {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034}


class PortalSessions:
    """`POST /v1/billing_portal/sessions`, and the card the stand-in saves."""

    KINDS = {
        "portal_sessions": ("bps", "billing_portal.session"),
        "payment_methods": ("pm", "payment_method"),
    }
    ROUTES = [("post", r"/v1/billing_portal/sessions", "_create_portal_session")]

    def _create_portal_session(self, params: dict) -> dict:
        customer = self.get("customers", params.get("customer", ""))
        back = params.get("return_url") or ""
        origin = urlsplit(back)
        if origin.scheme not in ("http", "https") or not origin.netloc:
            raise StripeFault(400, "Invalid URL: return_url.", param="return_url")
        session = self._new(
            "portal_sessions",
            customer=customer["id"],
            return_url=back,
            configuration="bpc_" + secrets.token_hex(12),
            flow=None,
            locale=None,
            on_behalf_of=None,
        )
        session["url"] = f"{origin.scheme}://{origin.netloc}{STANDIN_PATH}{session['id']}"
        return self._save(session)

    def save_test_card(self, customer_id: str) -> dict:
        """Attach Stripe's test Visa to the customer as its default, as the portal would."""
        customer = self.get("customers", customer_id)
        card = self._new(
            "payment_methods",
            type="card",
            customer=customer["id"],
            card=dict(TEST_CARD),
            billing_details={"name": customer.get("name")},
        )
        customer["invoice_settings"] = {
            **(customer.get("invoice_settings") or {}),
            "default_payment_method": card["id"],
        }
        self._save(customer)
        return card
