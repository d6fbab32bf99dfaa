"""Support access: a platform admin's time-limited, owner-approved, doubly audited visit to one
agency's workspace. The console side is bbp/platform/views/support.py; this blueprint is the
agency side (the owner's answers, the hand-over link, ending the visit)."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support-access")
