"""The platform console on admin.<domain>."""

from flask import Blueprint

bp = Blueprint("platform", __name__, url_prefix="/platform")
