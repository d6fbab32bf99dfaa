"""Stripe's webhook endpoint on the platform host: signed by Stripe, no session, no CSRF token."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from bbp.billing import webhooks
from bbp.extensions import csrf

bp = Blueprint("stripe_webhooks", __name__, url_prefix="/stripe")
log = logging.getLogger(__name__)


@bp.post("/webhooks")
@csrf.exempt
def receive():
    """One event from Stripe: 200 once processed (or already), 400 when refused."""
    try:
        outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.Refused as refusal:
        log.warning("stripe webhook refused: %s", refusal)
        return {"error": str(refusal)}, 400
    return {"received": outcome}, 200
