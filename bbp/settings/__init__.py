"""Agency settings: premium rules, collateral return days, forfeiture day overrides."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")
