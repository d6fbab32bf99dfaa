"""What a ledger entry is in words: money received, or money going back (a refund, a lost card
dispute), and how it moved ("Refund to the card, Visa ending in 4242") rather than a Stripe id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bbp.payments.models import ONLINE, Payment
from bbp.payments.services import LABELS

PAID, REFUNDED, RETURNED, DISPUTED = "paid", "refunded", "returned", "disputed"
SOURCES = {"portal": "in the portal", "pay_link": "by pay link", "autopay": "by autopay"}
ENGLISH = {
    PAID: "Online card payment",
    REFUNDED: "Refund to the card",
    RETURNED: "Refund to the card that did not go through, taken in again",
    DISPUTED: "Card dispute lost",
}


@dataclass(frozen=True)
class Online:
    """What one online entry stands for, as the feature that took the money knows it."""

    what: str  # PAID, REFUNDED, RETURNED (a refund that failed, taken in again) or DISPUTED
    brand: str = ""  # "Visa", "Mastercard"; empty when the card is not known
    last4: str = ""
    source: str = ""  # a key of SOURCES, for payments

    @property
    def goes_back(self) -> bool:
        """Whether the money went back to the card (a refund or a lost dispute)."""
        return self.what in (REFUNDED, DISPUTED)


# Who knows what the online entries among some payments stand for, by payment id: online
# payments add theirs (bbp.merchant.ledger_words), so this package never imports them.
ONLINE_FACTS: list[Callable[[list[Payment]], dict[int, Online]]] = []


def online(payments: list[Payment]) -> dict[int, Online]:
    """What each online entry among the payments stands for, by payment id (every one of them:
    without a hook, from the entry's kind alone)."""
    entries = [p for p in payments if p.method == ONLINE]
    if not entries:
        return {}
    known: dict[int, Online] = {}
    for facts in ONLINE_FACTS:
        known.update(facts(entries))
    return {p.id: known.get(p.id) or _bare(p) for p in entries}


def _bare(payment: Payment) -> Online:
    return Online(REFUNDED if payment.kind == "refund" else PAID)


def english(fact: Online) -> str:
    """The staff's words for an online entry: "Online card payment, Visa ending in 4242, in the
    portal"."""
    card = f", {fact.brand} ending in {fact.last4}" if fact.last4 else ""
    source = SOURCES.get(fact.source) if fact.what == PAID else None
    return ENGLISH[fact.what] + card + (f", {source}" if source else "")


def how(payment: Payment, facts: dict[int, Online]) -> str:
    """How the money moved, in the staff's words: an online entry described, or the office's
    method ("Cash")."""
    if payment.method == ONLINE:
        return english(facts.get(payment.id) or _bare(payment))
    return LABELS[payment.method]


def words(payments: list[Payment]) -> dict[int, str]:
    """The staff's words for each online entry among the payments, by payment id."""
    return {id_: english(fact) for id_, fact in online(payments).items()}
