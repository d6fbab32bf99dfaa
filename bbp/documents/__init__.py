"""Document templates (agency settings) and documents requested from people."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
