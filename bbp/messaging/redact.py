"""What each text is for, and the one-time links and codes some carry, masked for staff.

Every purpose a text can have is declared here, with the secret it carries if any: queueing a
text with an undeclared purpose fails, so a feature that starts texting a link or a code has to
declare it, and from then on staff pages show it masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Purpose:
    """A kind of text: what staff call it, the one-time link it carries, whether it has a code."""

    label: str
    link: str | None = None  # everything after this path is the link's token
    code: bool = False

    @property
    def secret(self) -> bool:
        return self.link is not None or self.code


PURPOSES = {
    "one_off": Purpose("Text"),
    "reminder": Purpose("Court reminder"),
    "failure_to_appear": Purpose("Missed-court notice"),
    "help": Purpose("Help reply"),
    "reply": Purpose("Reply"),
    "portal_code": Purpose("Portal sign-in code", link="/portal/in/", code=True),
    "portal_link": Purpose("Portal sign-in link", link="/portal/in/"),  # staff send these
    "signature": Purpose("Signature link", link="/portal/sign/"),
    "check_in": Purpose("Check-in link", link="/check-in/"),
    "pay_link": Purpose("Pay link", link="/pay/"),  # staff send these (bbp.merchant.paylinks)
    "receipt": Purpose("Payment receipt"),
}
# Six digits standing alone: not part of a bond or receipt number ("B-000017", "R-2026-000123").
CODE = re.compile(r"(?<![\w-])\d{6}(?![\w-])")
LINK = re.compile("(" + "|".join(re.escape(p.link) for p in PURPOSES.values() if p.link) + r")\S+")


class UndeclaredPurpose(ValueError):
    """A text was queued with a purpose not declared in PURPOSES (a programming error)."""


def declared(purpose: str) -> Purpose:
    """The declaration of a purpose; UndeclaredPurpose when there is none."""
    try:
        return PURPOSES[purpose]
    except KeyError:
        raise UndeclaredPurpose(f"declare the text purpose {purpose!r} in {__name__}") from None


def carries_secret(purpose: str) -> bool:
    """Whether texts of this purpose carry a link or code; unknown purposes are assumed to."""
    found = PURPOSES.get(purpose)
    return found is None or found.secret


def label(purpose: str) -> str:
    """What staff call texts of this purpose ("Court reminder")."""
    found = PURPOSES.get(purpose)
    return found.label if found else purpose.replace("_", " ").capitalize()


def redact(purpose: str, body: str) -> str:
    """The text with its one-time link tokens hidden, and its code where its purpose carries
    one (unknown purposes are assumed to): a bond number in a pay-link text stays readable."""
    found = PURPOSES.get(purpose)
    masked = LINK.sub(r"\1[hidden]", body)
    return CODE.sub("[code hidden]", masked) if found is None or found.code else masked


def shown(purpose: str, body: str) -> str:
    """What staff may read of a text: secrets masked, everything else as sent."""
    return redact(purpose, body) if carries_secret(purpose) else body
