"""The autopay authorization the payer agrees to; its exact text is hashed into the enrollment,
as the ESIGN consent is into a signature's evidence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from bbp.merchant.money import dollars, to_cents
from bbp.signatures.consent import fingerprint

VERSION = "2026-11"

__all__ = ["VERSION", "fingerprint", "text"]


def text(
    payer: str,
    agency: str,
    bond_number: str,
    instalments: list[tuple[date, Decimal]],
    language: str,
) -> str:
    """The authorization in the payer's language: who lets whom charge which card, for which
    bond's installments and when, and how to turn it off."""
    with force_locale(language):
        schedule = "\n".join(
            _(
                "%(amount)s on %(day)s",
                amount=dollars(to_cents(amount)),
                day=format_date(due_on, "long"),
            )
            for due_on, amount in instalments
        )
        return "\n\n".join(
            [
                _("Autopay authorization (version %(version)s)", version=VERSION),
                _(
                    "I, %(payer)s, authorize %(agency)s to charge the card I save on the next "
                    "page (a secure page of Stripe, the payment processor of %(agency)s) for the "
                    "installments of the payment plan of bail bond %(bond)s, each on its due "
                    "date, for the amount of that installment still unpaid that day:",
                    payer=payer,
                    agency=agency,
                    bond=bond_number,
                ),
                schedule,
                _(
                    "If a charge fails, %(agency)s may try the same card again up to three "
                    "times, 1, 3 and 7 days after the due date, and will text me a link to pay "
                    "another way. A card is never charged twice for one installment, and never "
                    "more than the installment's unpaid amount.",
                    agency=agency,
                ),
                _(
                    "I can turn autopay off at any time in the client portal, or by asking "
                    "%(agency)s; it stops at once, and a charge not yet made is canceled. "
                    "Payments already made are not affected.",
                    agency=agency,
                ),
                _(
                    "We record the time you agree, your IP address and your browser, and a "
                    "fingerprint of this text, as evidence of your authorization."
                ),
            ]
        )
