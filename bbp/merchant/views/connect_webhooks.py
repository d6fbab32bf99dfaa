"""The Connect webhook endpoint on the platform host: signed by Stripe, no session, no CSRF."""

from __future__ import annotations

from flask import Blueprint

from bbp.billing.views.webhooks import answer
from bbp.extensions import csrf
from bbp.merchant import webhooks

endpoint_bp = Blueprint("connect_webhooks", __name__, url_prefix="/stripe/connect")


@endpoint_bp.post("/webhooks")
@csrf.exempt
def receive():
    """One event from a connected account: 200 once processed (or already), 400 when refused."""
    return answer(webhooks.receive, "stripe connect webhook")
