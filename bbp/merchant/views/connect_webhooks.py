"""The Connect webhook endpoint on the platform host: signed by Stripe, no session, no CSRF."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from bbp.extensions import csrf
from bbp.merchant import webhooks

endpoint_bp = Blueprint("connect_webhooks", __name__, url_prefix="/stripe/connect")
log = logging.getLogger(__name__)


@endpoint_bp.post("/webhooks")
@csrf.exempt
def receive():
    """One event from a connected account: 200 once processed (or already), 400 when refused."""
    try:
        outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.Refused as refusal:
        log.warning("stripe connect webhook refused: %s", refusal)
        return {"error": str(refusal)}, 400
    return {"received": outcome}, 200
