"""Disputes in the fake Stripe, on connected accounts (a mixin of `FakeStripe`).

Stripe opens a dispute when a cardholder's bank charges a payment back; the fake opens one when
asked (`open_dispute`, behind a development button and tests): the disputed amount and Stripe's
dispute fee are withdrawn from the account's balance (`charge.dispute.created`, then
`charge.dispute.funds_withdrawn`), with evidence due in a week. `close_dispute` decides it: won
reinstates the amount (`charge.dispute.funds_reinstated`), lost keeps it withdrawn; either way
`charge.dispute.closed`.
"""

from __future__ import annotations

from datetime import timedelta

from bbp.billing.fake_lists import page
from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow

DISPUTE_FEE = 1500  # Stripe's dispute fee in the US, withdrawn with the disputed amount
EVIDENCE_DAYS = 7
REASONS = ("fraudulent", "product_not_received", "duplicate", "general", "unrecognized")


class Disputes:
    """Disputes on the connected account's charges."""

    KINDS = {"disputes": ("dp", "dispute")}
    ROUTES = [
        ("get", "/v1/disputes", "_list_disputes"),
        ("get", f"/v1/disputes/{ID}", "_retrieve_dispute"),
    ]

    def _retrieve_dispute(self, params: dict, id: str) -> dict:
        return self.get("disputes", id)

    def _list_disputes(self, params: dict) -> dict:
        return page(self.indexed("disputes", "disputes"), params, "/v1/disputes")

    # Fake-only: what a cardholder's bank does ------------------------------------------------
    def open_dispute(self, charge_id: str, reason: str = "fraudulent") -> dict:
        """The cardholder disputes what is left unrefunded of a charge (on the account acted as)."""
        if reason not in REASONS:
            raise ValueError(f"a dispute's reason is one of {REASONS}")
        charge = self.get("charges", charge_id)
        amount = charge["amount"] - charge.get("amount_refunded", 0)
        if charge.get("disputed") or amount <= 0:
            raise StripeFault(400, f"Charge {charge_id} cannot be disputed.")
        dispute = self._new(
            "disputes",
            amount=amount,
            charge=charge_id,
            payment_intent=charge.get("payment_intent"),
            currency=charge.get("currency", "usd"),
            reason=reason,
            status="needs_response",
            is_charge_refundable=False,
            evidence_details={
                "due_by": stamp(utcnow() + timedelta(days=EVIDENCE_DAYS)),
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
            balance_transactions=[],
            metadata={},
        )
        self.index_add("disputes", dispute["id"])
        self.index_add("dispute-moves", f"{dispute['id']}:withdrawn")
        charge["disputed"] = True
        self._save(charge)
        self._emit("charge.dispute.created", dispute)
        self._emit("charge.dispute.funds_withdrawn", dispute)
        return dispute

    def close_dispute(self, dispute_id: str, won: bool) -> dict:
        """The bank decides: won gives the amount back to the account, lost keeps it."""
        dispute = self.get("disputes", dispute_id)
        if dispute["status"] in ("won", "lost"):
            raise StripeFault(400, f"Dispute {dispute_id} is closed already.")
        dispute["status"] = "won" if won else "lost"
        dispute["evidence_details"]["due_by"] = None
        self._save(dispute)
        if won:
            self.index_add("dispute-moves", f"{dispute_id}:reinstated")
            self._emit("charge.dispute.funds_reinstated", dispute)
        self._emit("charge.dispute.closed", dispute)
        return dispute
