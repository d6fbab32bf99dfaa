"""Signature requests: sending, signing with evidence, and public verification."""

from flask import Blueprint

bp = Blueprint("signatures", __name__)
