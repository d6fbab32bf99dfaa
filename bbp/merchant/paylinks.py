"""Text-to-pay: staff text a defendant or cosigner a signed, expiring link to pay on a bond.

The link's token is signed with the app secret (`bbp.kernel.links.SignedLinks`, its own salt),
names the agency and the `pay_links` row; the row holds the amount (or none: whatever is due
when it is opened), the expiry (7 days unless staff choose) and a revocation. Opening it shows
the bond and the amount; its button goes to Checkout like the portal's (source pay_link). A link
stops working once it expired, was revoked, was paid, or nothing is left to pay on the bond.
Opening a link, from the payer's side, is `bbp.merchant.paylink_payer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from bbp.audit.services import record
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel import phones
from bbp.kernel.clock import local, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.links import Refusals, SignedLinks, tenant_url
from bbp.kernel.transactions import atomic
from bbp.merchant import checkout
from bbp.merchant import enrollment as enrollments
from bbp.merchant.models import PayLink
from bbp.merchant.money import dollars, from_cents, to_cents
from bbp.messaging import services as messaging
from bbp.payments import services as payments
from bbp.payments.models import Instalment, PaymentPlan
from bbp.portal import people
from bbp.tenancy import require_tenant
from bbp.web.i18n import day_in_words

LINKS = SignedLinks("pay-link", timed=False)  # the row's expiry and revocation rule it
REFUSALS = Refusals(
    broken=_l("This payment link is not valid. Check that you opened all of it."),
    elsewhere=_l("This payment link is not valid. Check that you opened all of it."),
    expired=_l("This payment link has expired. Ask your agent to send a new one."),
    used=_l("This payment link was canceled. Ask your agent to send a new one."),
)
DEFAULT_DAYS = 7
MAX_DAYS = 30
PATH = "/pay/"


@dataclass(frozen=True)
class Recipient:
    """Someone on the bond with a mobile number to text a link to."""

    key: str  # "defendant" or "cosigner-<id>"
    person: object
    ref: dict
    phone: str  # E.164

    @property
    def label(self) -> str:
        role = "defendant" if self.ref["kind"] == "defendant" else "cosigner"
        return f"{self.person.full_name} ({role})"


def recipients(bond: Bond) -> list[Recipient]:
    """The defendant and cosigners with a 10-digit phone on file."""
    people_on = [("defendant", bond.defendant)] + [
        (f"cosigner-{c.indemnitor.id}", c.indemnitor) for c in bond.cosigners
    ]
    found = []
    for key, person in people_on:
        phone = phones.e164(person.phone or "") if person is not None else None
        if phone is not None:
            found.append(Recipient(key, person, people.ref(person), phone))
    return found


def token_for(link: PayLink) -> str:
    return LINKS.make({"l": link.id})


def added(days: int, **fields) -> PayLink:
    """A new pay link working for `days`, flushed so its id can sign its URL."""
    now = utcnow()  # the app's clock, for the sending and the expiry alike
    link = PayLink(**fields, created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    return link


def url_for_link(link: PayLink) -> str:
    return tenant_url(require_tenant(), PATH + token_for(link))


@atomic
def send(bond: Bond, recipient_key: str, amount: Decimal | None, days: int, by) -> PayLink:
    """Record a pay link and text it (the caller dispatches the text after the commit)."""
    if checkout.merchant_account() is None:
        raise DomainError(
            "Connect the agency's Stripe account in Settings → Payments before sending pay links."
        )
    to = {r.key: r for r in recipients(bond)}.get(recipient_key)
    if to is None:
        raise DomainError("Choose who gets the link.", "recipient")
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(f"A link lasts 1 to {MAX_DAYS} days.", "days")
    owed = checkout.payable(bond)
    if owed is None:
        raise DomainError("Nothing is left to pay on this bond.")
    cents = to_cents(amount) if amount is not None else None
    if cents is not None and cents > owed.balance:
        raise DomainError(
            f"The balance is {dollars(owed.balance)}: ask for that or less.", "amount"
        )
    if cents is not None and cents < min(checkout.MIN_CENTS, owed.balance):
        least = dollars(checkout.MIN_CENTS)
        raise DomainError(
            f"Stripe's least card payment is {least}: ask for that or more.", "amount"
        )
    link = added(
        days,
        bond_id=bond.id,
        amount_cents=cents,
        due_cents_when_sent=owed.next_due if cents is None else None,
        sent_to=to.phone,
        recipient=to.ref,
        reason="staff",
        created_by_id=by.id,
    )
    with force_locale(getattr(to.person, "language", None) or "en"):
        what = dollars(cents) if cents is not None else gettext("the amount due")
        text = gettext(
            "%(agency)s: pay %(what)s on bond %(number)s here: %(link)s (until %(day)s)",
            agency=require_tenant().name,
            what=what,
            number=bond.number,
            link=url_for_link(link),
            day=day_in_words(local(link.expires_at).date()),
        )
    messaging.queue(
        to.phone,
        text,
        "pay_link",
        bond_id=bond.id,
        defendant_id=to.ref["id"] if to.ref["kind"] == "defendant" else None,
        indemnitor_id=to.ref["id"] if to.ref["kind"] == "cosigner" else None,
        by=by,
        commit=False,
    )
    record(
        "pay_link.sent",
        link,
        after={
            "bond": bond.number,
            "to": to.person.full_name,
            "amount": str(from_cents(cents)) if cents is not None else None,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return link


@atomic
def revoke(link: PayLink, by) -> PayLink:
    """Stop a link from working (a payment already with Stripe carries on)."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record("pay_link.revoked", link, after={"bond": db.session.get(Bond, link.bond_id).number})
    return link


def instalment_left(link: PayLink, bond: Bond) -> int | None:
    """Cents the ledger has not covered of the installment a link was texted for (None: the
    link is not for one installment)."""
    instalment = db.session.get(Instalment, link.instalment_id) if link.instalment_id else None
    if instalment is None:
        return None
    plan = db.session.get(PaymentPlan, instalment.plan_id)
    if plan is None or plan.bond_id != bond.id:
        return None
    return to_cents(enrollments.unpaid_of(bond, plan, instalment))


def revoke_covered(bond: Bond) -> int:
    """Revoke the bond's links texted for a failed autopay charge whose installment is now
    covered (autopay's retry or any other payment): nobody pays one installment twice. Runs in
    the caller's transaction after each ledger entry; returns how many it revoked."""
    links = db.session.scalars(
        select(PayLink).where(
            PayLink.bond_id == bond.id,
            PayLink.reason == "autopay_failed",
            PayLink.instalment_id.is_not(None),
            PayLink.revoked_at.is_(None),
        )
    ).all()
    revoked = 0
    for link in links:
        if instalment_left(link, bond) == 0:
            link.revoked_at = utcnow()
            record(
                "pay_link.revoked",
                link,
                after={"bond": bond.number, "why": "installment paid"},
                actor="BailBondPro",
            )
            revoked += 1
    return revoked


payments.RECORDED_HOOKS.append(revoke_covered)
