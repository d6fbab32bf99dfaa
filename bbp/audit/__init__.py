"""Append-only audit log of everything staff and the system do inside an agency."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from bbp.audit import views  # noqa: E402,F401
