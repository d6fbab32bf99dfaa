"""Indemnitors, shown as cosigners: the people who guarantee bonds."""

from flask import Blueprint

bp = Blueprint("indemnitors", __name__, url_prefix="/indemnitors")
