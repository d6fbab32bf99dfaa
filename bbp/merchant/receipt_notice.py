"""The payer's receipt for a confirmed online payment: a text, or an email to a payer who paid
signed in by email, in their language.

Either is written in the transaction that enters the payment (dedupe key `receipt:<payment
id>`): the text by `messaging.queue` (commit=False), the email into the email outbox
(`messaging.emails`). So it commits or rolls back with the ledger entry and the event's id, and
after the commit only its hand-off to a worker can fail, which the texts task or the emails task
makes good. A text confirmed in the agency's quiet hours is held until they end (`not_before`);
an opted-out number's is recorded `opted_out`. An email is not held: nobody's phone buzzes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel import phones
from bbp.kernel.clock import utcnow
from bbp.kernel.links import tenant_url
from bbp.merchant.models import OnlinePayment
from bbp.messaging import emails
from bbp.messaging import services as messaging
from bbp.payments.models import Payment
from bbp.portal import people
from bbp.reminders.services import in_quiet_hours
from bbp.settings import services as settings
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)
PURPOSE = "receipt"
RECEIPT_PATH = "/portal/payments/{}/receipt.pdf"  # portal.receipt (built in jobs too: no url_for)


def contact(row: OnlinePayment) -> tuple[str, Any]:
    """Where the receipt goes (the phone or email the payer paid from) and who they are."""
    found = people.load([row.payer]) if row.payer else []
    person = found[0] if found else None
    to = row.receipt_to
    if not to and person is not None:
        to = phones.e164(person.phone or "") or (person.email or "")
    return to, person


def owe(row: OnlinePayment, payment: Payment) -> Callable[[], None] | None:
    """In the caller's transaction: write the receipt's text (held through quiet hours) or
    email, and return what must wait for the commit: its hand-off to a worker."""
    to, person = contact(row)
    if not to:
        return None
    bond = db.session.get(Bond, row.bond_id)
    with force_locale(getattr(person, "language", None) or "en"):
        text, subject = _words(payment, bond)
    if "@" in to:  # handed to a worker by the commit
        emails.queue(to, subject, text, PURPOSE, dedupe_key=f"receipt:{payment.id}")
        return None
    phone = phones.e164(to)
    if phone is None:  # refused by queue() it would roll the payment back with it
        log.warning("online payment %s: no receipt text, %r is not a US number", row.id, to)
        return None
    ref = row.payer or {}
    message = messaging.queue(
        phone,
        text,
        PURPOSE,
        bond_id=bond.id,
        defendant_id=ref.get("id") if ref.get("kind") == "defendant" else None,
        indemnitor_id=ref.get("id") if ref.get("kind") == "cosigner" else None,
        dedupe_key=f"receipt:{payment.id}",
        not_before=quiet_until(utcnow()),
        commit=False,
    )
    if message is None or message.status != "queued" or message.not_before is not None:
        return None  # queued before, opted out, or held: nothing to hand over now
    return messaging.hand_off


def quiet_until(now: datetime) -> datetime | None:
    """When the agency's quiet hours end, if `now` is in them."""
    policy = settings.current()
    return in_quiet_hours(now, policy.quiet_start_hour, policy.quiet_end_hour)


def _words(payment: Payment, bond: Bond) -> tuple[str, str]:
    """The receipt's text and an email's subject, in the current locale."""
    agency = require_tenant()
    text = gettext(
        "%(agency)s: we received your payment of %(amount)s on bond %(number)s. "
        "Receipt %(receipt)s: %(link)s",
        agency=agency.name,
        amount=f"${payment.amount:,}",
        number=bond.number,
        receipt=payment.receipt_number,
        link=tenant_url(agency, RECEIPT_PATH.format(payment.id)),
    )
    return text, gettext("Your receipt %(receipt)s", receipt=payment.receipt_number)
