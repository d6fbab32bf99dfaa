"""Routes that answer on every kind of host: the front door and the dev outbox."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from bbp.core import views  # noqa: E402,F401
