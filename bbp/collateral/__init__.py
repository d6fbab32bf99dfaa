"""Collateral: numbered receipts, the return clock after discharge, returns."""

from flask import Blueprint

bp = Blueprint("collateral", __name__, url_prefix="/collateral")
