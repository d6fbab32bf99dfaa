"""The {{ variables }} of document templates: names, checks, and plain substitution (no Jinja)."""

from __future__ import annotations

import re

VARIABLES = {
    "agency_name": "Your agency's name",
    "agency_phone": "Your agency's phone number (blank until one is on file)",
    "today": "Today's date, e.g. March 3, 2026",
    "bond_number": "The bond number, e.g. B-2026-0012",
    "bail_amount": "The bail amount, e.g. $25,000.00",
    "premium": "The premium charged for the bond",
    "fees": "Fees charged on top of the premium",
    "total_due": "Premium plus fees",
    "defendant_name": "The defendant's full name",
    "defendant_dob": "The defendant's date of birth",
    "defendant_address": "The defendant's address on one line",
    "case_number": "The court case number",
    "court_name": "The court the bond is posted in",
    "county": "The county of the court",
    "charges": "Each charge on its own line, with its bail amount",
    "next_court_date": "The next court date, time and place",
    "cosigner_names": "The cosigners' names, separated by commas",
    "signer_name": "The name of the person signing this copy",
    "signer_role": "Defendant or Cosigner and indemnitor",
    "signer_address": "The signer's address on one line",
    "plan_summary": "Down payment and each instalment on its own line, or No payment plan",
    "balance": "What is still owed on premium and fees today",
    "collateral": "Each item of collateral held on its own line, with its value",
    "collateral_return_days": "Days after discharge within which collateral is returned",
}

# A well-formed placeholder: two braces, optional spaces, a lower-case name, two braces.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
ANY_TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
CONTEXT = 20  # characters shown either side of a stray brace


class TemplateError(ValueError):
    """Wording that cannot be used as a template; the message says which part and why."""


def check(text: str) -> None:
    """Refuse unknown {{ variables }} and braces that do not wrap a variable name."""
    unknown = sorted({n for n in PLACEHOLDER.findall(text) if n not in VARIABLES})
    if unknown:
        names = ", ".join(f"{{{{ {n} }}}}" for n in unknown)
        noun = "variable" if len(unknown) == 1 else "variables"
        raise TemplateError(f"Unknown {noun} {names}: use the variables listed beside the text.")
    rest = PLACEHOLDER.sub("", text)
    bad = [m.group(0) for m in ANY_TOKEN.finditer(rest)]
    if bad:
        raise TemplateError(
            f"“{_short(bad[0])}” is not a variable: write a name from the list, "
            "e.g. {{ bond_number }}."
        )
    stray = next((i for i, ch in enumerate(rest) if ch in "{}"), None)
    if stray is not None:
        around = rest[max(stray - CONTEXT, 0) : stray + CONTEXT + 1]
        raise TemplateError(
            f"Unmatched brace near “{_short(around)}”: variables are written "
            "with two braces on each side, e.g. {{ bond_number }}."
        )


def _short(text: str) -> str:
    return " ".join(text.split())[:60]


def used(text: str) -> list[str]:
    """The known variables a text uses, in order of first use."""
    return list(dict.fromkeys(n for n in PLACEHOLDER.findall(text) if n in VARIABLES))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each {{ name }} with its value; values are inserted as-is, never re-read."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
