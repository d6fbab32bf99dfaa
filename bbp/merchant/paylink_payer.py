"""A pay link from the payer's side: opening it (or being told why it no longer works, or that
it was paid, with the payment), what it asks for now, and where Checkout brings the payer back.
Sending and revoking links is `bbp.merchant.paylinks`."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature
from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.links import BROKEN, GONE, InvalidLink, expired
from bbp.kernel.transactions import atomic
from bbp.merchant import checkout, paylinks
from bbp.merchant.models import OnlinePayment, PayLink
from bbp.portal import people

PAID = _l("This payment link was paid. Thank you.")
ALREADY_PAID = _l("This installment is already paid, so this link no longer works. Thank you.")
NOTHING_LEFT = _l("Nothing is left to pay on this bond. Thank you.")


class LinkPaid(InvalidLink):
    """The link was paid: its page says so and shows the payment rather than a refusal."""

    def __init__(self, row: OnlinePayment):
        super().__init__(str(PAID), GONE)
        self.row = row


def paid_by(link: PayLink) -> OnlinePayment | None:
    """The online payment that paid the link, if one did."""
    return db.session.scalar(
        select(OnlinePayment)
        .where(OnlinePayment.pay_link_id == link.id, OnlinePayment.status == "succeeded")
        .order_by(OnlinePayment.id)
        .limit(1)
    )


def found(token: str) -> PayLink:
    """The link a token names, or InvalidLink: 404 for a token of another agency or none at
    all, 400 for a broken one."""
    try:
        data = paylinks.LINKS.read(token, paylinks.REFUSALS)
    except InvalidLink as refusal:
        if refusal.status == BROKEN and _elsewhere(token):
            raise InvalidLink(refusal.message, 404) from None
        raise
    link_id = data.get("l")
    link = db.session.get(PayLink, link_id) if isinstance(link_id, int) else None
    if link is None:
        raise InvalidLink(str(paylinks.REFUSALS.broken), 404)
    return link


def language_of(token: str) -> str | None:
    """The saved language of the person a link was texted to (None for a token that names no
    link here, or a link to nobody on file)."""
    try:
        link = found(token)
    except InvalidLink:
        return None
    persons = people.load([link.recipient]) if link.recipient else []
    return persons[0].language if persons else None


def opened(token: str) -> tuple[PayLink, Bond]:
    """The link of a token and its bond, or InvalidLink: 404 for a token of another agency or
    none at all, 400 for a broken one, LinkPaid for one paid, 410 for one expired or revoked."""
    link = found(token)
    row = paid_by(link)
    if row is not None:
        raise LinkPaid(row)
    bond = db.session.get(Bond, link.bond_id)
    if paylinks.instalment_left(link, bond) == 0:  # its installment was paid (revoked then, too)
        raise InvalidLink(str(ALREADY_PAID), GONE)
    if link.revoked_at is not None:
        raise paylinks.REFUSALS.refuse("used")
    if expired(link.expires_at):
        raise paylinks.REFUSALS.refuse("expired")
    return link, bond


@atomic
def mark_opened(link: PayLink) -> None:
    """Note the first time the payer opened a link that still works (the staff list shows it)."""
    if link.opened_at is None:
        link.opened_at = utcnow()


def _elsewhere(token: str) -> bool:
    """Whether the token is signed here at all (then it names another agency)."""
    try:
        paylinks.LINKS._serializer().loads(token)
    except BadSignature:
        return False
    return True


def amount_cents(link: PayLink, bond: Bond) -> int:
    """What the link asks for now: for a failed autopay charge, what is left of its installment
    (410 once it is paid, by whatever means); else its amount (no more than the balance), or the
    amount due."""
    left = paylinks.instalment_left(link, bond)
    if left == 0:
        raise InvalidLink(str(ALREADY_PAID), GONE)
    owed = checkout.payable(bond)
    if owed is None:
        raise InvalidLink(str(NOTHING_LEFT), GONE)
    if left is not None:
        return min(left, owed.balance)
    if link.amount_cents is None:
        return owed.next_due
    return min(link.amount_cents, owed.balance)


def payer_of(link: PayLink) -> checkout.Payer:
    """Who pays through the link, for Checkout: the person it was texted to."""
    found = people.load([link.recipient]) if link.recipient else []
    name = found[0].full_name if found else ""
    return checkout.Payer(link.recipient, name, link.sent_to)


def done_url(link: PayLink) -> str:
    """Where Checkout sends the payer back: this host (the agency's), the link's done page."""
    done = url_for("merchant.pay_link_done", token=paylinks.token_for(link), _external=True)
    return done + "?session_id={CHECKOUT_SESSION_ID}"
