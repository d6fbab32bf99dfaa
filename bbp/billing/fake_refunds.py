"""Refunds in the fake Stripe, on connected accounts (a mixin of `FakeStripe`).

A refund names a `payment_intent` (or a `charge`) and an amount up to what is left unrefunded;
with `refund_application_fee` the platform's application fee goes back in proportion. Card
refunds succeed at once, as Stripe's test cards do, and emit `refund.created` and
`charge.refunded`; `delay_refunds` makes a charge's refunds wait as `pending` until
`settle_refund` succeeds or fails them (`refund.updated`, `refund.failed`), as some banks do.

`paid_charge` (fake-only) makes a succeeded PaymentIntent and its Charge on the account acted
as, through Checkout's own charging (fake_checkout.py), for tests that need a payment without a
Checkout session.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bbp.billing.fake_lists import page
from bbp.billing.fake_resources import ID, StripeFault
from bbp.kernel.keys import platform_key

REFUND_STATUSES = ("succeeded", "failed", "canceled")


class Refunds:
    """Refunds, and the charges and payment intents they refund."""

    KINDS = {"refunds": ("re", "refund")}
    ROUTES = [
        ("post", "/v1/refunds", "_create_refund"),
        ("get", "/v1/refunds", "_list_refunds"),
        ("get", f"/v1/refunds/{ID}", "_retrieve_refund"),
    ]

    def _retrieve_refund(self, params: dict, id: str) -> dict:
        return self.get("refunds", id)

    def _list_refunds(self, params: dict) -> dict:
        charge = self._refunded_charge(params)
        return page(self.indexed("refunds", f"refunds:{charge['id']}"), params, "/v1/refunds")

    def _refunded_charge(self, params: dict) -> dict:
        """The charge a call names: `charge`, or the `payment_intent`'s latest charge."""
        if params.get("charge"):
            return self.get("charges", params["charge"])
        if params.get("payment_intent"):
            intent = self.get("payment_intents", params["payment_intent"])
            if not intent.get("latest_charge"):
                raise StripeFault(
                    400,
                    f"PaymentIntent {intent['id']} has no successful charge to refund.",
                    code="charge_not_refundable",
                )
            return self.get("charges", intent["latest_charge"])
        raise StripeFault(400, "One of charge or payment_intent is required.", param="charge")

    def _create_refund(self, params: dict) -> dict:
        charge = self._refunded_charge(params)
        left = charge["amount"] - charge.get("amount_refunded", 0)
        raw = params.get("amount", str(left))
        if not str(raw).isdigit() or int(raw) <= 0:
            raise StripeFault(400, "Invalid positive integer: amount.", param="amount")
        amount = int(raw)
        if charge.get("disputed"):
            raise StripeFault(
                400, f"Charge {charge['id']} has been charged back.", code="charge_disputed"
            )
        if amount > left:
            raise StripeFault(
                400,
                f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on "
                f"charge (${left / 100:.2f})",
                code="amount_too_large",
                param="amount",
            )
        fee_back = self._fee_back(charge, amount, params.get("refund_application_fee") == "true")
        refund = self._new(
            "refunds",
            amount=amount,
            charge=charge["id"],
            payment_intent=charge.get("payment_intent"),
            currency=charge.get("currency", "usd"),
            status="pending" if self._refunds_wait(charge["id"]) else "succeeded",
            reason=params.get("reason"),
            failure_reason=None,
            metadata=params.get("metadata", {}),
            application_fee_refunded=fee_back,
        )
        self.index_add(f"refunds:{charge['id']}", refund["id"])
        self.index_add("refunds", refund["id"])
        charge["amount_refunded"] = charge.get("amount_refunded", 0) + amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["application_fee_refunded"] = charge.get("application_fee_refunded", 0) + fee_back
        self._save(charge)
        self._emit("refund.created", refund)
        self._emit("charge.refunded", charge)
        return refund

    def _fee_back(self, charge: dict, amount: int, wanted: bool) -> int:
        """The application fee returned with a refund: the refunded share of it, rounded half
        up to the cent, all that is left of it on the refund that empties the charge."""
        fee = self._application_fee_of(charge)
        if not wanted or not fee:
            return 0
        kept = fee - charge.get("application_fee_refunded", 0)
        if charge.get("amount_refunded", 0) + amount == charge["amount"]:
            return kept
        share = (Decimal(fee) * amount / charge["amount"]).quantize(1, rounding=ROUND_HALF_UP)
        return min(int(share), kept)

    def _application_fee_of(self, charge: dict) -> int:
        if charge.get("application_fee_amount") is not None:
            return charge["application_fee_amount"]
        intent_id = charge.get("payment_intent")
        intent = self.get("payment_intents", intent_id) if intent_id else {}
        return intent.get("application_fee_amount") or 0

    # Fake-only: what a bank or a test does ----------------------------------------------------
    def delay_refunds(self, charge_id: str) -> None:
        """Refunds of this charge wait as pending until `settle_refund` (account acted as)."""
        self.redis.set(self._wait_key(charge_id), "1")

    def settle_refund(self, refund_id: str, status: str) -> dict:
        """A pending refund succeeds, or fails (or is canceled) and its money goes back."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"a refund settles as one of {REFUND_STATUSES}")
        refund = self.get("refunds", refund_id)
        refund["status"] = status
        if status != "succeeded":
            charge = self.get("charges", refund["charge"])
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            self._save(charge)
            refund["failure_reason"] = "expired_or_canceled_card" if status == "failed" else None
        self._save(refund)
        self._emit("refund.updated", refund)
        if status == "failed":
            self._emit("refund.failed", refund)
        return refund

    def paid_charge(
        self, amount: int, application_fee_amount: int = 0, metadata: dict | None = None
    ) -> tuple[dict, dict]:
        """A succeeded PaymentIntent and its Charge (with its balance transaction) on the account
        acted as, charged as Checkout's fake charges a card, for tests that need a payment
        without a Checkout session. Returns (intent, charge)."""
        intent = self._new(
            "payment_intents",
            amount=amount,
            amount_received=0,
            currency="usd",
            status="requires_payment_method",
            application_fee_amount=application_fee_amount or None,
            metadata=dict(metadata or {}),
            description=None,
            customer=None,
            payment_method=None,
            latest_charge=None,
        )
        self._succeed(intent)  # fake_checkout.py: the charge, its balance transaction, events
        intent = self.get("payment_intents", intent["id"])
        return intent, self.get("charges", intent["latest_charge"])

    def _refunds_wait(self, charge_id: str) -> bool:
        return bool(self.redis.get(self._wait_key(charge_id)))

    def _wait_key(self, charge_id: str) -> str:
        return platform_key("stripe-fake", "refunds-wait", self.account or "platform", charge_id)
