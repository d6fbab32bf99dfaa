"""Defendants: the people the agency bails out."""

from flask import Blueprint

bp = Blueprint("defendants", __name__, url_prefix="/defendants")
