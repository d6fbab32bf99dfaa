"""Court reminders: planned as rows, sent by the minute tick, never twice, never lost."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/settings/reminders")
