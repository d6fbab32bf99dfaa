"""Payments ledger, receipts and payment plans."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")

from bbp.payments import views  # noqa: E402,F401
