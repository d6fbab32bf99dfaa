"""What Stripe still asks of an agency's account, in plain words.

Stripe names each requirement by the account field it needs (`external_account`,
`representative.dob.day`, `person_xyz.verification.document`); the settings page shows one line
per thing to do, grouped as Stripe groups them (past due, due now, due later), and never drops a
field it cannot name: an unknown one is shown as Stripe spells it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The most specific match wins: a field is tried against each pattern in order.
PLAIN = (
    (r"external_account", "Add the bank account payouts go to"),
    (r"tos_acceptance\..*", "Accept Stripe's services agreement"),
    (r"business_type", "Say what kind of business the agency is"),
    (r"business_profile\.mcc", "Choose the agency's industry"),
    (r"business_profile\.(url|product_description)", "Give the agency's website or describe it"),
    (r"business_profile\..*", "Complete the agency's business profile"),
    (r"company\.tax_id", "Give the agency's employer identification number (EIN)"),
    (r"company\.(address|phone|name).*", "Give the agency's legal name, address and phone"),
    (r"company\.verification\.document", "Upload a document that verifies the company"),
    (r"company\.(owners|directors|executives)_provided", "Confirm the agency's owners"),
    (r"company\..*", "Complete the agency's company details"),
    (
        r"(representative|individual|person_\w+)\.verification\.(additional_)?document",
        "Upload a photo ID for the person who represents the agency",
    ),
    (
        r"(representative|individual|person_\w+)\.(ssn_last_4|id_number)",
        "Give the representative's Social Security number",
    ),
    (r"(representative|individual|person_\w+)\.dob\..*", "Give the representative's date of birth"),
    (
        r"(representative|individual|person_\w+)\.(first|last)_name",
        "Give the representative's name",
    ),
    (
        r"(representative|individual|person_\w+)\.address\..*",
        "Give the representative's home address",
    ),
    (r"(representative|individual|person_\w+)\.(email|phone)", "Give the representative's contact"),
    (
        r"(representative|individual|person_\w+)\.relationship\..*",
        "Give the representative's title and ownership",
    ),
    (r"(representative|individual|person_\w+)\..*", "Complete the representative's details"),
    (r"owners\..*|directors\..*|executives\..*", "Give details of the agency's owners"),
    (r"settings\.payments\.statement_descriptor", "Choose how charges appear on card statements"),
)
COMPILED = tuple((re.compile(f"^{pattern}$"), words) for pattern, words in PLAIN)
# Stripe's requirements.disabled_reason, for an account that may not take charges.
DISABLED = {
    "requirements.past_due": "Stripe needs the details below before the account can take payments.",
    "requirements.pending_verification": "Stripe is checking the details given.",
    "listed": "Stripe is reviewing the account.",
    "platform_paused": "The platform paused the account.",
    "rejected.fraud": "Stripe rejected the account.",
    "rejected.listed": "Stripe rejected the account.",
    "rejected.terms_of_service": "Stripe rejected the account.",
    "rejected.other": "Stripe rejected the account.",
    "under_review": "Stripe is reviewing the account.",
    "other": "Stripe disabled the account; its Dashboard says why.",
}


@dataclass(frozen=True)
class Due:
    """One group of things to do: its heading and the plain lines."""

    heading: str
    lines: list[str]


def plain(field: str) -> str:
    """The plain words for one requirement (Stripe's own name when there are none)."""
    for pattern, words in COMPILED:
        if pattern.match(field):
            return words
    return f"Stripe asks for: {field}"


def _lines(fields: list[str], skip: set[str]) -> list[str]:
    """One line per thing to do: fields asking for the same thing collapse into one."""
    seen: list[str] = []
    for field in fields:
        words = plain(field)
        if field not in skip and words not in seen:
            seen.append(words)
    return seen


def groups(past_due: list[str], currently_due: list[str], eventually_due: list[str]) -> list[Due]:
    """Past due, due now and due later, each field in the most urgent group only."""
    past, now = set(past_due), set(currently_due)
    found = [
        Due("Past due: payments are paused until these are given", _lines(past_due, set())),
        Due("Due now", _lines(currently_due, past)),
        Due("Due later, as the agency takes more payments", _lines(eventually_due, past | now)),
    ]
    return [group for group in found if group.lines]


def disabled_reason(reason: str | None) -> str | None:
    """Why Stripe will not take charges for the account, in plain words."""
    if not reason:
        return None
    return DISABLED.get(reason, DISABLED["other"])
