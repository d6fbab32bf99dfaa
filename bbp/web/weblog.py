"""gunicorn's access log without the one-time tokens that sign people in, check in and sign.

With LOG_FORMAT=json (production's default) each access line is one JSON object carrying the
request id and agency the app left in the WSGI environ (bbp/web/observe.py), and gunicorn's own
error lines are JSON too.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger

from bbp.kernel.logs import JsonFormatter, log_format
from bbp.web.observe import ENVIRON_AGENCY, ENVIRON_REQUEST_ID

# Paths that carry a one-time credential right after these prefixes; tests/test_weblog.py checks
# the list against every URL rule with a <token> argument, so a new one cannot be forgotten.
TOKEN_PATHS = (
    "/set-password/",
    "/check-in/",
    "/portal/in/",
    "/portal/sign/",
    "/support-access/enter/",  # the support hand-over link
    "/pay/",  # text-to-pay links
)
REDACTED = "[redacted]"
_IN_PATH = re.compile("(" + "|".join(map(re.escape, TOKEN_PATHS)) + r")[^/?#\s\"]+")
_IN_QUERY = re.compile(r"((?:^|[?&])token=)[^&#\s\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Replace the token of every token-bearing path or `token=` parameter in a log field."""
    return _IN_QUERY.sub(rf"\1{REDACTED}", _IN_PATH.sub(rf"\1{REDACTED}", text))


class RedactingLogger(Logger):
    """gunicorn logger whose access log never holds a token (`--logger-class`)."""

    def atoms(self, resp, req, environ, request_time):
        """Every text atom redacted: request line, path, query, referrer, headers, environ."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(v) if isinstance(v, str) else v for name, v in atoms.items()}

    def setup(self, cfg):
        """gunicorn's handlers; in JSON mode both its error and access lines are JSON."""
        super().setup(cfg)
        self.json = log_format(os.environ) == "json"
        if self.json:
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())
            for handler in self.access_log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        """The combined line in text mode; in JSON mode one object of redacted fields."""
        if not getattr(self, "json", False):
            return super().access(resp, req, environ, request_time)
        if self.access_log_enabled:
            atoms = self.atoms(resp, req, environ, request_time)
            self.access_log.info(atoms["r"], extra={"fields": access_fields(atoms)})
        return None


def access_fields(atoms: dict) -> dict:
    """The fields of one JSON access line, from atoms already redacted."""
    query = atoms.get("q") or ""
    return {
        "request_id": atoms.get(f"{{{ENVIRON_REQUEST_ID}}}e"),
        "agency": atoms.get(f"{{{ENVIRON_AGENCY}}}e"),
        "method": atoms["m"],
        "path": atoms["U"] + (f"?{query}" if query else ""),
        "status": atoms["s"],
        "bytes": atoms["B"],
        "duration_ms": atoms["M"],
        "remote": atoms["h"],
        "referrer": atoms["f"],
        "user_agent": atoms["a"],
    }
