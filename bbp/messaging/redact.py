"""Texts carrying a secret (a sign-in code or a portal link) are shown to staff masked."""

from __future__ import annotations

import re

SECRET_PURPOSES = ("portal_code", "portal_link", "signature")
CODE = re.compile(r"\b\d{6}\b")
LINK = re.compile(r"(/portal/(?:in|sign)/)\S+")


def redact(body: str) -> str:
    """The text with six-digit codes and portal link tokens hidden."""
    return LINK.sub(r"\1[hidden]", CODE.sub("[code hidden]", body))


def shown(purpose: str, body: str) -> str:
    """What staff may read of a text: secrets masked, everything else as sent."""
    return redact(body) if purpose in SECRET_PURPOSES else body
