"""What a failure to appear sets off besides the forfeiture: an email and a text to the agent who
wrote the bond and (per the agency's setting) a text to each cosigner in their language, all
written in the transaction that records the forfeiture."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from bbp.auth.models import User
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.kernel.clock import agency_today, local
from bbp.messaging import emails
from bbp.messaging import services as messaging
from bbp.settings import services as settings
from bbp.tenancy import require_tenant
from bbp.web.i18n import moment_in_words


def tell(court_date: CourtDate) -> list[int]:
    """Owe the writing agent an email (sent once the forfeiture commits) and queue texts to them
    and (per setting) the cosigners; returns the texts to send after the commit."""
    bond = court_date.bond
    when = f"{local(court_date.starts_at):%b %-d at %-I:%M %p}"
    agent = db.session.get(User, bond.writing_agent_id) if bond.writing_agent_id else None
    # One notice per bond, person and day, whatever court dates are recorded: staff cannot turn
    # repeated failures to appear into a way around the limits on the texts they send.
    day = agency_today().isoformat()
    if agent is not None and agent.active:
        emails.queue(
            agent.email,
            f"Failure to appear: {bond.defendant.full_name} ({bond.number})",
            f"{bond.defendant.full_name} did not appear in court on {when}. Bond "
            f"{bond.number} is forfeited; the deadlines are on the bond page.",
            "failure_to_appear",
            dedupe_key=f"fta:{bond.id}:agent:{day}",
        )
    queued = []
    if agent is not None and agent.active and agent.phone:
        message = messaging.queue(
            agent.phone,
            f"FTA: {bond.defendant.full_name} ({bond.number}) missed court on "
            f"{when}. Bond forfeited; deadlines on the bond page.",
            "failure_to_appear",
            bond_id=bond.id,
            dedupe_key=f"fta:{bond.id}:agent:{day}",
            commit=False,
        )
        if message is not None and message.status == "queued":
            queued.append(message.id)
    if not settings.current().fta_text_cosigners:
        return queued
    for link in bond.cosigners:
        if not link.indemnitor.phone:
            continue
        message = messaging.queue(
            link.indemnitor.phone,
            cosigner_text(court_date, link.indemnitor.language),
            "failure_to_appear",
            bond_id=bond.id,
            indemnitor_id=link.indemnitor_id,
            dedupe_key=f"fta:{bond.id}:{link.indemnitor_id}:{day}",
            commit=False,
        )
        if message is not None and message.status == "queued":
            queued.append(message.id)
    return queued


def cosigner_text(court_date: CourtDate, language: str | None) -> str:
    """The missed-court text to a cosigner, in their language."""
    with force_locale(language or "en"):
        return gettext(
            "%(agency)s: %(name)s missed court on %(when)s. Please call us today. "
            "Reply STOP to opt out.",
            agency=require_tenant().name,
            name=court_date.bond.defendant.first_name,
            when=moment_in_words(court_date.starts_at),
        )
