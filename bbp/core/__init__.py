"""Routes that answer on every kind of host: the front door and the dev outbox."""

from flask import Blueprint

bp = Blueprint("core", __name__)
