"""gunicorn's access log without the one-time tokens that sign people in, check in and sign."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Paths that carry a one-time credential right after these prefixes; tests/test_weblog.py checks
# the list against every URL rule with a <token> argument, so a new one cannot be forgotten.
TOKEN_PATHS = ("/set-password/", "/check-in/", "/portal/in/", "/portal/sign/")
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
