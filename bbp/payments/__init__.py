"""Payments ledger, receipts and payment plans."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")
