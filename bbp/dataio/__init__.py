"""Data in and out: CSV exports of the book and the bond import."""

from flask import Blueprint

bp = Blueprint("dataio", __name__, url_prefix="/data")
