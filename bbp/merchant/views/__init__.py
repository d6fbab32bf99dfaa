"""Online payment pages on agency hosts (settings, bond panels, the portal's pay pages, pay
links, payouts) and the Connect webhook endpoint on the platform host."""

from flask import Blueprint

bp = Blueprint("merchant", __name__)

from bbp.merchant.views import (  # noqa: E402, F401  (attach their routes to bp)
    autopay,
    connect_webhooks,
    disputes,
    fake_checkout,
    fake_dashboard,
    fake_onboarding,
    pay,
    pay_links,
    payouts,
    refunds,
    restored,
    settings,
    stripe_dev,
)
