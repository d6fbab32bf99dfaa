"""The {{ variables }} of document templates: names, checks, and plain substitution (no Jinja)."""

from __future__ import annotations

import re

from bbp.placeholders import Syntax, short

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
    "plan_summary": "Down payment and each installment on its own line, or No payment plan",
    "balance": "What is still owed on premium and fees today",
    "collateral": "Each item of collateral held on its own line, with its value",
    "collateral_return_days": "Days after discharge within which collateral is returned",
}

# A well-formed placeholder is two braces, optional spaces, a lower-case name, two braces; any
# other {{ … }} or lone brace is refused. There is no escape: documents need no literal braces.
SYNTAX = Syntax(
    re.compile(r"\{\{\s*(?P<name>[a-z][a-z0-9_]*)\s*\}\}|(?P<bad>\{\{.*?\}\}|[{}])", re.DOTALL)
)
CONTEXT = 20  # characters shown either side of a stray brace


class TemplateError(ValueError):
    """Wording that cannot be used as a template; the message says which part and why."""


def check(text: str) -> None:
    """Refuse unknown {{ variables }} and braces that do not wrap a variable name."""
    unknown = sorted(SYNTAX.unknown(text, VARIABLES))
    if unknown:
        names = ", ".join(f"{{{{ {short(n)} }}}}" for n in unknown)
        noun = "variable" if len(unknown) == 1 else "variables"
        raise TemplateError(f"Unknown {noun} {names}: use the variables listed beside the text.")
    bad = SYNTAX.malformed(text)
    if bad is None:
        return
    if len(bad[0]) > 1:
        raise TemplateError(
            f"“{short(bad[0])}” is not a variable: write a name from the list, "
            "e.g. {{ bond_number }}."
        )
    around = text[max(bad.start() - CONTEXT, 0) : bad.start() + CONTEXT + 1]
    raise TemplateError(
        f"Unmatched brace near “{short(around)}”: variables are written "
        "with two braces on each side, e.g. {{ bond_number }}."
    )


def used(text: str) -> list[str]:
    """The known variables a text uses, in order of first use."""
    return SYNTAX.used(text, VARIABLES)


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each {{ name }} with its value; values are inserted as-is, never re-read."""
    return SYNTAX.fill(text, values)
