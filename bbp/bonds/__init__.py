"""Bonds: intake, charges, premium, cosigners, writing and the status lifecycle."""

from flask import Blueprint

bp = Blueprint("bonds", __name__, url_prefix="/bonds")

from bbp.bonds.views import desk, intake, plan_step  # noqa: E402,F401
