"""Texts as data: one-off messages, delivery reports, replies and STOP/START per number."""

from flask import Blueprint

bp = Blueprint("messaging", __name__, url_prefix="/messages")
