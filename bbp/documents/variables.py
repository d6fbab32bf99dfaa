"""The {{ variables }} and [[ sections ]] of document templates: checks and plain substitution."""

from __future__ import annotations

import re

from bbp.kernel.placeholders import Syntax, short

VARIABLES = {
    "agency_name": "Your agency's name",
    "agency_address": "Your agency's address on one line (Settings)",
    "agency_phone": "Your agency's phone number (Settings)",
    "agency_license": "Your agency's state license number (Settings)",
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
    "other_cosigner_names": "The cosigners other than the signer, separated by commas",
    "signer_name": "The name of the person signing this copy",
    "signer_role": "Defendant or Cosigner and indemnitor",
    "signer_address": "The signer's address on one line",
    "plan_summary": "The down payment and each installment on its own line",
    "balance": "What is still owed on premium and fees today",
    "collateral": "Each item of collateral held on its own line, with its value",
    "collateral_return_days": "Days after discharge within which collateral is returned",
}

# What a blank value prints as outside a [[ section ]]; a variable not listed prints nothing.
IF_MISSING = {
    "defendant_dob": "not on file",
    "defendant_address": "not on file",
    "case_number": "not yet assigned",
    "court_name": "not yet known",
    "county": "not yet known",
    "charges": "None on file",
    "next_court_date": "not yet set",
    "cosigner_names": "none",
    "other_cosigner_names": "none",
    "signer_name": "the undersigned",
    "signer_address": "not on file",
    "plan_summary": "No payment plan",
    "collateral": "None",
}

# A well-formed placeholder is two braces, optional spaces, a lower-case name, two braces; any
# other {{ … }} or lone brace is refused. There is no escape: documents need no literal braces.
SYNTAX = Syntax(
    re.compile(r"\{\{\s*(?P<name>[a-z][a-z0-9_]*)\s*\}\}|(?P<bad>\{\{.*?\}\}|[{}])", re.DOTALL)
)
# [[ text ]] is printed only when every variable in it has a value; [[ text || other ]] prints
# `other` instead. Sections do not nest.
SECTION = re.compile(r"\[\[(?P<body>.*?)\]\]", re.DOTALL)
OTHERWISE = "||"
CONTEXT = 20  # characters shown either side of a stray brace


class TemplateError(ValueError):
    """Wording that cannot be used as a template; the message says which part and why."""


def check(text: str) -> None:
    """Refuse unknown {{ variables }}, stray braces, and sections that cannot work."""
    unknown = sorted(SYNTAX.unknown(text, VARIABLES))
    if unknown:
        names = ", ".join(f"{{{{ {short(n)} }}}}" for n in unknown)
        noun = "variable" if len(unknown) == 1 else "variables"
        raise TemplateError(f"Unknown {noun} {names}: use the variables listed beside the text.")
    _check_braces(text)
    _check_sections(text)


def _check_braces(text: str) -> None:
    bad = SYNTAX.malformed(text)
    if bad is None:
        return
    if len(bad[0]) > 1:
        raise TemplateError(
            f"“{short(bad[0])}” is not a variable: write a name from the list, "
            "e.g. {{ bond_number }}."
        )
    raise TemplateError(
        f"Unmatched brace near “{_around(text, bad.start())}”: variables are written "
        "with two braces on each side, e.g. {{ bond_number }}."
    )


def _check_sections(text: str) -> None:
    for section in SECTION.finditer(text):
        body = section["body"]
        if "[[" in body:
            raise TemplateError(
                f"Unclosed [[ near “{_around(text, section.start())}”: "
                "close each section with ]] before the next one starts."
            )
        present, _, otherwise = body.partition(OTHERWISE)
        if OTHERWISE in otherwise:
            raise TemplateError(f"“{short(section[0])}” has more than one ||.")
        if not used(present):
            raise TemplateError(
                f"“{short(section[0])}” has no variable before ||: a section is left out "
                "when one of its variables is missing, so it needs at least one."
            )
    rest = SECTION.sub("", text)
    for marker in ("[[", "]]", OTHERWISE):
        if marker in rest:
            raise TemplateError(
                f"Unmatched {marker} near “{_around(rest, rest.index(marker))}”: "
                "a section is written [[ text ]] or [[ text || text if missing ]]."
            )


def _around(text: str, at: int) -> str:
    return short(text[max(at - CONTEXT, 0) : at + CONTEXT + 1])


def used(text: str) -> list[str]:
    """The known variables a text uses, in order of first use."""
    return SYNTAX.used(text, VARIABLES)


def fill(text: str, values: dict[str, str]) -> str:
    """Keep or drop each section, then replace each {{ name }}; values are never re-read."""

    def section(match: re.Match[str]) -> str:
        present, _, otherwise = match["body"].partition(OTHERWISE)
        names = used(present)
        return present if names and all(values.get(n) for n in names) else otherwise

    chosen = SECTION.sub(section, text)
    shown = {name: value or IF_MISSING.get(name, "") for name, value in values.items()}
    return SYNTAX.fill(chosen, shown)
