"""Check-ins: per-defendant schedules, texted single-use links, plain or GPS check-ins, misses."""

from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/check-in")
