"""Court dates, outcomes, forfeitures and their deadlines, the court calendar."""

from flask import Blueprint

bp = Blueprint("courts", __name__, url_prefix="/court")
