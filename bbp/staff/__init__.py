"""The owner's team page: invite, deactivate and reactivate staff."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
