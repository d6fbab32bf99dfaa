"""Liveness and readiness: /healthz on any host."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from bbp.health import views  # noqa: E402,F401
