"""Indemnitors, shown as cosigners: the people who guarantee bonds."""

from flask import Blueprint

bp = Blueprint("indemnitors", __name__, url_prefix="/indemnitors")

from bbp.indemnitors import views  # noqa: E402,F401
