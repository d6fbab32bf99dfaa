"""Reminder wording in English and Spanish, in the agency's time zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bbp.kernel.placeholders import Syntax, short

MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
DAYS_ES = "lunes martes miércoles jueves viernes sábado domingo".split()
DAYS_EN = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

TEMPLATES = {
    "en": (
        "{agency}: {name}, reminder: you have court {when} at {place}. Missing court can "
        "lead to a warrant for your arrest. Questions? Call us. Reply STOP to opt out."
    ),
    "es": (
        "{agency}: {name}, recordatorio: tiene corte el {when} en {place}. Faltar a la corte "
        "puede causar una orden de arresto. ¿Preguntas? Llámenos. Responda STOP para no "
        "recibir mensajes."
    ),
}


def when(starts_at: datetime, zone: str, language: str) -> str:
    """The court time in words, in the agency's zone (daylight saving included)."""
    local = starts_at.astimezone(ZoneInfo(zone))
    hour = local.strftime("%-I:%M %p")
    if language == "es":
        return (
            f"{DAYS_ES[local.weekday()]} {local.day} de {MONTHS_ES[local.month - 1]} a las "
            f"{local.strftime('%-H:%M')}"
        )
    return f"{DAYS_EN[local.weekday()]}, {local.strftime('%B %-d')} at {hour}"


def place(court_name: str, courtroom: str, address: str, language: str) -> str:
    """Court, room and address, whatever is known."""
    room = ("sala " if language == "es" else "Room ") + courtroom if courtroom else ""
    parts = [p for p in (court_name, room, address) if p]
    return ", ".join(parts) or ("la corte" if language == "es" else "court")


VARIABLES = ("agency", "name", "when", "place")
FOOTER = {"en": " Reply STOP to opt out.", "es": " Responda STOP para no recibir mensajes."}
# {name} is a placeholder and {{ or }} a brace itself, as saved wording has always been written;
# any other brace (a format spec, a conversion, a dot, an index, a lone brace) is refused.
SYNTAX = Syntax(
    re.compile(r"(?P<brace>\{\{|\}\})|\{(?P<name>[A-Za-z_]\w*)\}|(?P<bad>\{[^{}]*\}?|\})")
)


class TemplateError(ValueError):
    """An agency's wording cannot be used; the message says why."""


def check(template: str) -> None:
    """Refuse wording with unknown placeholders or braces that do not wrap a placeholder."""
    unknown = SYNTAX.unknown(template, VARIABLES)
    if unknown:
        names = ", ".join(f"{{{v}}}" for v in VARIABLES)
        noun = "placeholder" if len(unknown) == 1 else "placeholders"
        shown = ", ".join(f"{{{short(n, 30)}}}" for n in unknown)
        raise TemplateError(f"Unknown {noun} {shown}: use {names}.")
    bad = SYNTAX.malformed(template)
    if bad is None:
        return
    if bad[0] in ("{", "}"):
        raise TemplateError(
            "Braces must wrap a placeholder such as {name}; for a brace itself write {{ or }}."
        )
    raise TemplateError(
        f"“{short(bad[0], 40)}” is not a placeholder: write only a name in braces, such as "
        "{name}, with no formatting, dots or brackets inside."
    )


def usable(template: str | None) -> bool:
    """Whether saved wording can be sent (wording saved before the checks may not pass)."""
    try:
        check(template or "")
    except TemplateError:
        return False
    return bool(template)


def render(
    language: str,
    *,
    agency: str,
    name: str,
    starts_at: datetime,
    zone: str,
    court_name: str,
    courtroom: str,
    address: str,
    template: str | None = None,
) -> str:
    """The reminder text for one person; a custom wording always keeps the STOP footer.

    Wording that fails the checks falls back to the standard text: a court reminder always goes.
    """
    language = language if language in TEMPLATES else "en"
    wording = template if usable(template) else TEMPLATES[language]
    text = SYNTAX.fill(
        wording,
        {
            "agency": agency,
            "name": name,
            "when": when(starts_at, zone, language),
            "place": place(court_name, courtroom, address, language),
        },
    )
    return text if "STOP" in text else text.rstrip() + FOOTER[language]
