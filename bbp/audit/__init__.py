"""Append-only audit log of everything staff and the system do inside an agency."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
