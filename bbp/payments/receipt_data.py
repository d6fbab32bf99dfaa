"""What a receipt prints: plain data a web process builds, a worker draws (bbp.pdf.render)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on one payment receipt."""

    agency_name: str
    agency_address: str
    agency_phone: str
    receipt_number: str
    issued_at: datetime
    timezone: str
    payer_name: str  # who paid; on a refund, whom the money went back to
    bond_number: str
    defendant_name: str
    kind: str
    method: str
    reference: str
    amount: Decimal
    balance_after: Decimal | None
    received_by: str  # on a refund, who sent it back
    voided: bool = False
    void_reason: str = ""
    agency_license: str = ""
    signed: bool = True  # a clerk took it and signs; money paid online has no one to sign
    # Money that moved through Stripe: its id, printed small for the agency's reconciliation in
    # place of the Reference row (the method says how it was paid in words).
    stripe_reference: str = ""
