"""The text a payer gets when an autopay charge fails: what happened, and a pay link.

The link is text-to-pay's (`bbp.merchant.paylinks`: a PayLink row, reason `autopay_failed`, for
the installment whose charge failed: priced when opened at what is left of it, refused once it
is paid, revoked when a payment covers it, `paylinks.revoke_covered`); the wording is autopay's.
Texts go through `bbp.messaging`, so opt-outs apply; the charging job runs only outside the
agency's quiet hours, so these texts are never queued inside them.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel import phones
from bbp.merchant import paylinks
from bbp.merchant.models import OnlinePayment
from bbp.merchant.money import dollars
from bbp.messaging import services as messaging
from bbp.portal import people
from bbp.tenancy import require_tenant

PURPOSE = "pay_link"  # its token is masked on staff pages like any pay link's
LINK_DAYS = 7


def text_pay_link(row: OnlinePayment, needs_payer: bool, retry_on: date | None) -> None:
    """Record the pay link and queue its text in the caller's transaction (dispatched once the
    caller commits, by the messaging upkeep or `messaging.dispatch`)."""
    person = next(iter(people.load([row.payer] if row.payer else [])), None)
    phone = phones.e164(getattr(person, "phone", None) or "")
    if phone is None:
        return
    bond = db.session.get(Bond, row.bond_id)
    link = paylinks.added(
        LINK_DAYS,
        bond_id=row.bond_id,
        amount_cents=row.amount_cents,
        sent_to=phone,
        recipient=row.payer,
        reason="autopay_failed",
        instalment_id=row.instalment_id,
    )
    url = paylinks.url_for_link(link)
    with force_locale(getattr(person, "language", "en") or "en"):
        body = message(bond.number, row.amount_cents or 0, needs_payer, retry_on, url)
    messaging.queue(
        phone,
        body,
        PURPOSE,
        bond_id=row.bond_id,
        defendant_id=row.payer["id"] if row.payer["kind"] == "defendant" else None,
        indemnitor_id=row.payer["id"] if row.payer["kind"] == "cosigner" else None,
        dedupe_key=f"autopay-{row.id}-{row.attempts}",
        commit=False,
    )


def message(number: str, cents: int, needs_payer: bool, retry_on: date | None, url: str) -> str:
    """The text, in the current locale."""
    agency = require_tenant().name
    what = (
        _("your bank asked for your approval, which autopay cannot give")
        if needs_payer
        else _("your card was declined")
    )
    then = (
        _("We will try again on %(day)s.", day=format_date(retry_on, "long"))
        if retry_on
        else _("Autopay will not try this installment again.")
    )
    return _(
        "%(agency)s: the autopay charge of %(amount)s for bond %(bond)s did not go through "
        "(%(what)s). %(then)s Pay here: %(url)s",
        agency=agency,
        amount=dollars(cents),
        bond=number,
        what=what,
        then=then,
        url=url,
    )
