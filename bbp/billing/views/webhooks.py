"""Stripe's webhook endpoint on the platform host: signed by Stripe, no session, no CSRF token."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, request

from bbp.billing import stripe_events
from bbp.billing.webhooks import Refused
from bbp.extensions import csrf

bp = Blueprint("stripe_webhooks", __name__, url_prefix="/stripe")
log = logging.getLogger(__name__)


@bp.post("/webhooks")
@csrf.exempt
def receive():
    """One event from Stripe: 200 once processed (or already), 400 when refused."""
    return answer(stripe_events.receive, "stripe webhook")


def answer(receive: Callable[[bytes, str | None], str], endpoint: str):
    """Stripe's answer for one delivery that `receive` handles: 200, or 400 when refused."""
    try:
        outcome = receive(request.get_data(), request.headers.get("Stripe-Signature"))
    except Refused as refusal:
        log.warning("%s refused: %s", endpoint, refusal)
        return {"error": str(refusal)}, 400
    return {"received": outcome}, 200
