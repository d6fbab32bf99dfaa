"""Bonds: intake, charges, premium, cosigners, writing and the status lifecycle."""

from flask import Blueprint

bp = Blueprint("bonds", __name__, url_prefix="/bonds")
