"""A payment's printable receipt, the same for staff and for the payer in the portal."""

from __future__ import annotations

from collections.abc import Callable

from bbp.auth.models import User
from bbp.extensions import db
from bbp.payments import services
from bbp.payments.models import ONLINE, Payment
from bbp.payments.receipt_data import ReceiptData
from bbp.pdf import render
from bbp.settings import services as settings
from bbp.tenancy import require_tenant

# Who can put an online entry in words, by payment id ("Online card payment, Visa ending in
# 4242, in the portal"): online payments add theirs (bbp.merchant.ledger_words), as the staff
# ledger says it.
ONLINE_WORDS: list[Callable[[list[Payment]], dict[int, str]]] = []


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt as a PDF, with the agency's address, phone and license number."""
    bond, tenant, agency = payment.bond, require_tenant(), settings.agency_details()
    clerk = db.session.get(User, payment.received_by_id) if payment.received_by_id else None
    return render.draw(
        render.RECEIPT,
        ReceiptData(
            agency_name=tenant.name,
            agency_address="\n".join(agency.address_lines),
            agency_phone=agency.phone_display,
            agency_license=agency.license_number,
            receipt_number=payment.receipt_number,
            issued_at=payment.received_at,
            timezone=tenant.timezone,
            payer_name=payment.payer_name,
            bond_number=bond.number,
            defendant_name=bond.defendant.full_name,
            kind=services.LABELS[payment.kind],
            method=_method(payment),
            reference="" if payment.method == ONLINE else payment.reference,
            stripe_reference=(payment.external_id or "") if payment.method == ONLINE else "",
            amount=payment.amount,
            balance_after=services.balance_after(payment),
            received_by=(clerk.name or clerk.email) if clerk else _unattended(payment),
            voided=payment.voided_at is not None,
            void_reason=payment.void_reason,
            signed=clerk is not None,
        ),
    )


def _method(payment: Payment) -> str:
    """How it was paid: an online entry in words, with the card when it is known."""
    if payment.method == ONLINE:
        for words in ONLINE_WORDS:
            said = words([payment]).get(payment.id)
            if said:
                return said
    return services.LABELS[payment.method]


def _unattended(payment: Payment) -> str:
    """Who received money no clerk took: online payments are confirmed by Stripe."""
    return "Online, confirmed by Stripe" if payment.method == ONLINE else ""


def file_words(payment: Payment) -> tuple[str, str, str]:
    """The words of the receipt's download name: bond number, "receipt", receipt number."""
    return (payment.bond.number, "receipt", payment.receipt_number)
