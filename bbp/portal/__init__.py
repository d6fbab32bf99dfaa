"""Self-service portal for defendants and cosigners, on the agency's subdomain."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
