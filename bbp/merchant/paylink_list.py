"""The staff list of a bond's pay links: to whom each went, what it asked, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.links import expired
from bbp.merchant.models import OnlinePayment, PayLink
from bbp.portal import people
from bbp.web.rendering import Page

PER_PAGE = 20
LABELS = {
    "paid": "Paid",
    "revoked": "Canceled",
    "expired": "Expired",
    "opened": "Opened",
    "sent": "Sent",
}


@dataclass(frozen=True)
class SentLink:
    """One pay link as the staff list shows it."""

    link: PayLink
    state: str  # a key of LABELS
    name: str  # the recipient's name, "" when the person was deleted
    role: str  # "defendant" or "cosigner"

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def working(self) -> bool:
        """Whether the link still opens a payment (so staff may cancel it)."""
        return self.state in ("sent", "opened")


def page_of(bond: Bond, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the bond's pay links, newest first, with their state and recipient."""
    total = db.session.scalar(
        select(db.func.count()).select_from(PayLink).where(PayLink.bond_id == bond.id)
    )
    links = list(
        db.session.scalars(
            select(PayLink)
            .where(PayLink.bond_id == bond.id)
            .order_by(PayLink.id.desc())
            .limit(per_page)
            .offset((number - 1) * per_page)
        )
    )
    paid = set(
        db.session.scalars(
            select(OnlinePayment.pay_link_id).where(
                OnlinePayment.pay_link_id.in_([link.id for link in links]),
                OnlinePayment.status == "succeeded",
            )
        )
    )
    return Page([_row(link, link.id in paid) for link in links], number, per_page, total)


def _row(link: PayLink, paid: bool) -> SentLink:
    person = people.load([link.recipient])[0] if link.recipient else None
    name = person.full_name if person is not None else ""
    role = (link.recipient or {}).get("kind", "")
    return SentLink(link, state(link, paid), name, role)


def state(link: PayLink, paid: bool) -> str:
    """Paid, canceled (revoked), expired, opened by the payer, or sent and not opened yet."""
    if paid:
        return "paid"
    if link.revoked_at is not None:
        return "revoked"
    if expired(link.expires_at):
        return "expired"
    return "opened" if link.opened_at is not None else "sent"
