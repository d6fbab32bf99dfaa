"""What the bond page shows, each part loaded once by its owning feature's query.

The timeline and the sections other features contribute (payments, court dates, collateral,
signatures, texts) read these lists instead of querying again; a section rendered on its own
(an htmx swap) passes nothing and loads its part itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bbp.bonds.models import Bond
from bbp.bonds.queries import plan_of
from bbp.collateral import services as collateral
from bbp.collateral.models import Collateral
from bbp.courts import services as courts
from bbp.courts.models import CourtDate, Forfeiture
from bbp.messaging import queries as texts
from bbp.messaging.models import Message
from bbp.payments import entries
from bbp.payments import services as payments
from bbp.payments.models import Payment, PaymentPlan
from bbp.signatures import services as signatures
from bbp.signatures.models import SignatureRequest


@dataclass(frozen=True)
class Loaded:
    """A bond's rows from other features, in the order each feature's section lists them."""

    plan: PaymentPlan | None
    payments: list[Payment]  # newest first
    online: dict[int, entries.Online]  # what each online payment stands for, by payment id
    court_dates: list[CourtDate]  # soonest first
    forfeitures: list[Forfeiture]
    collateral: list[Collateral]  # as received
    signature_requests: list[SignatureRequest]  # newest first
    messages: list[Message]  # newest first


def load(bond: Bond) -> Loaded:
    """Everything the bond page shows from other features, one query per kind of row."""
    dates, forfeitures = courts.of_bond(bond)
    ledger = payments.ledger(bond)
    return Loaded(
        plan=plan_of(bond),
        payments=ledger,
        online=entries.online(ledger),
        court_dates=dates,
        forfeitures=forfeitures,
        collateral=collateral.of_bond(bond),
        signature_requests=signatures.of_bond(bond),
        messages=texts.of_bond(bond),
    )
