"""A payment's printable receipt, the same for staff and for the payer in the portal."""

from __future__ import annotations

from bbp.auth.models import User
from bbp.extensions import db
from bbp.payments import entries, services
from bbp.payments.entries import DISPUTED
from bbp.payments.models import ONLINE, Payment
from bbp.payments.receipt_data import ReceiptData
from bbp.pdf import render
from bbp.settings import services as settings
from bbp.tenancy import require_tenant


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt as a PDF, with the agency's address, phone and license number."""
    bond, tenant, agency = payment.bond, require_tenant(), settings.agency_details()
    clerk = db.session.get(User, payment.received_by_id) if payment.received_by_id else None
    facts = entries.online([payment])
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
            method=entries.how(payment, facts),
            reference="" if payment.method == ONLINE else payment.reference,
            stripe_reference=(payment.external_id or "") if payment.method == ONLINE else "",
            amount=payment.amount,
            balance_after=services.balance_after(payment),
            received_by=(clerk.name or clerk.email) if clerk else _unattended(payment, facts),
            voided=payment.voided_at is not None,
            void_reason=payment.void_reason,
            signed=clerk is not None,
        ),
    )


def _unattended(payment: Payment, facts: dict[int, entries.Online]) -> str:
    """Who moved money no clerk handled: Stripe confirmed the payment or the refund, and a lost
    dispute was the cardholder's bank taking it back."""
    if payment.method != ONLINE:
        return ""
    fact = facts[payment.id]
    if fact.what == DISPUTED:
        return "The cardholder's bank, on a lost card dispute"
    return "Online, through Stripe" if fact.goes_back else "Online, confirmed by Stripe"


def file_words(payment: Payment) -> tuple[str, str, str]:
    """The words of the receipt's download name: bond number, "receipt", receipt number."""
    return (payment.bond.number, "receipt", payment.receipt_number)
