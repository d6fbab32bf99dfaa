"""The platform layer: the console on admin.<domain>, agency provisioning and `flask tenants`."""

from flask import Blueprint

bp = Blueprint("platform", __name__, url_prefix="/platform")
