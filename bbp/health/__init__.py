"""Liveness and readiness: /healthz on any host."""

from flask import Blueprint

bp = Blueprint("health", __name__)
