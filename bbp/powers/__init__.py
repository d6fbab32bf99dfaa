"""Sureties and powers of attorney: batches, assignment, execution, voiding, reports."""

from flask import Blueprint

bp = Blueprint("powers", __name__, url_prefix="/powers")
