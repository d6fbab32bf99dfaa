"""When a bond's autopay was turned on and off, and by whom: for its panel and its timeline."""

from __future__ import annotations

from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds import timeline
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.merchant.models import AutopayEnrollment
from bbp.web.templating import format_card


def turned_off_by(row: AutopayEnrollment) -> str:
    """Who turned it off, in words: "Rosa Reyes in the client portal", a staff name."""
    kind, _, who = row.turned_off_by.partition(": ")
    if kind == "portal" and who:
        return f"{who} in the client portal"
    if kind == "staff" and who:
        found = db.session.scalar(select(User).where(User.email == who))
        return (found.name or found.email) if found else who
    return row.turned_off_by or "someone"


def last_off(bond_id: int) -> AutopayEnrollment | None:
    """The bond's autopay turned off most recently, once it was on (None: never turned off)."""
    return db.session.scalar(
        select(AutopayEnrollment)
        .where(
            AutopayEnrollment.bond_id == bond_id,
            AutopayEnrollment.turned_off_at.is_not(None),
            AutopayEnrollment.active_since.is_not(None),
        )
        .order_by(AutopayEnrollment.turned_off_at.desc())
        .limit(1)
    )


def events(bond: Bond) -> list[timeline.Event]:
    """The bond's autopay turned on (once Stripe saved the card) and off."""
    rows = db.session.scalars(
        select(AutopayEnrollment).where(
            AutopayEnrollment.bond_id == bond.id, AutopayEnrollment.active_since.is_not(None)
        )
    )
    found = []
    for row in rows:
        card = format_card(row.card_brand, row.card_last4)
        payer = f"{row.payer_name} (client portal)"
        found.append(
            timeline.Event(
                row.active_since, "autopay", f"Autopay turned on with {card}", payer, row.id
            )
        )
        if row.turned_off_at is not None:
            found.append(
                timeline.Event(
                    row.turned_off_at, "autopay", "Autopay turned off", turned_off_by(row), row.id
                )
            )
    return found


timeline.SOURCES.append(events)
