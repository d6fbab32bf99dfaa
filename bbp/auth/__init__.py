"""Staff sign-in, sign-out and password links on an agency's subdomain."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
