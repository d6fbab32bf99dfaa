"""Saved cards and off-session charges in the fake Stripe: payment methods, setup intents and
payment intents on connected accounts (a mixin of `FakeStripe`).

Stripe's test payment methods decide what a card does: `pm_card_visa` pays,
`pm_card_chargeDeclined` is declined (`card_error`, `decline_code` generic_decline) and
`pm_card_authenticationRequired` needs the cardholder (`authentication_required` off session).
A saved card keeps its test card's behaviour; `set_card_outcome` changes it, as a cardholder's
bank would. A failed confirmation leaves the PaymentIntent in `requires_payment_method` with its
`last_payment_error`, as Stripe does; each outcome is an event on the connected account.
"""

from __future__ import annotations

import copy
import secrets

from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

# Stripe's test payment methods: the card each stands for and what charging it does.
TEST_CARDS = {
    "pm_card_visa": ("visa", "4242", "succeeded"),
    "pm_card_mastercard": ("mastercard", "4444", "succeeded"),
    "pm_card_chargeDeclined": ("visa", "0002", "declined"),
    "pm_card_authenticationRequired": ("visa", "3184", "authentication_required"),
}
OUTCOMES = {name: outcome for name, (_, _, outcome) in TEST_CARDS.items()}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
UPDATABLE = (*CONFIRMABLE, "requires_action")
CANCELABLE = (*UPDATABLE, "requires_capture")
EXP_MONTH, EXP_YEAR = 12, 2034


class Autopay:
    """Payment methods, setup intents and payment intents, with test-card outcomes."""

    # The kinds, and retrieving them, are Checkout's (fake_checkout.py): one place per path.
    ROUTES = [
        ("post", "/v1/payment_intents", "_create_payment_intent"),
        ("post", f"/v1/payment_intents/{ID}", "_update_payment_intent"),
        ("post", f"/v1/payment_intents/{ID}/confirm", "_confirm_payment_intent"),
        ("post", f"/v1/payment_intents/{ID}/cancel", "_cancel_payment_intent"),
    ]

    # Cards ----------------------------------------------------------------------------------
    def card_payment_method(self, test_card: str, customer: str | None = None) -> dict:
        """A card payment method made from one of Stripe's test payment methods."""
        if test_card not in TEST_CARDS:
            raise StripeFault(400, f"No such PaymentMethod: '{test_card}'", code="resource_missing")
        brand, last4, outcome = TEST_CARDS[test_card]
        card = {"brand": brand, "last4": last4, "exp_month": EXP_MONTH, "exp_year": EXP_YEAR}
        method = self._new(
            "payment_methods",
            type="card",
            card={**card, "funding": "credit", "country": "US"},
            customer=customer,
            billing_details={"email": None, "name": None},
        )
        self.redis.set(self._outcome_key(method["id"]), outcome)
        return method

    def set_card_outcome(self, payment_method: str, test_card: str) -> None:
        """From now on charging this saved card does what `test_card` does."""
        self.get("payment_methods", payment_method)
        self.redis.set(self._outcome_key(payment_method), OUTCOMES[test_card])

    def card_outcome(self, payment_method: str) -> str:
        raw = self.redis.get(self._outcome_key(payment_method))
        return raw.decode() if isinstance(raw, bytes) else (raw or "succeeded")

    def _outcome_key(self, payment_method: str) -> str:
        return platform_key("stripe-fake", "card-outcome", payment_method)

    def _method_for(self, params: dict, customer: str | None) -> str | None:
        """The payment method a call names: a saved one, or a test card made into one."""
        named = params.get("payment_method")
        if not named:
            return None
        if named in TEST_CARDS:
            return self.card_payment_method(named, customer)["id"]
        return self.get("payment_methods", named)["id"]

    # Payment intents ----------------------------------------------------------------------
    def _create_payment_intent(self, params: dict) -> dict:
        amount = _at_least_minimum(params.get("amount"))
        customer = params.get("customer") or None
        if customer:
            self.get("customers", customer)
        intent = self._new(
            "payment_intents",
            amount=amount,
            amount_received=0,
            currency=params.get("currency", "usd"),
            customer=customer,
            payment_method=None,
            application_fee_amount=_fee(params, amount),
            status="requires_payment_method",
            metadata=params.get("metadata", {}),
            description=params.get("description"),
            latest_charge=None,
            last_payment_error=None,
            setup_future_usage=params.get("setup_future_usage"),
            cancellation_reason=None,
            canceled_at=None,
            capture_method="automatic",
            payment_method_types=["card"],
        )
        method = self._method_for(params, customer)
        if method:
            intent.update(payment_method=method, status="requires_confirmation")
            self._save(intent)
        if params.get("confirm") == "true":
            return self._confirm(intent, params.get("off_session") == "true")
        return intent

    def _update_payment_intent(self, params: dict, id: str) -> dict:
        intent = self.get("payment_intents", id)
        if intent["status"] not in UPDATABLE:
            raise StripeFault(
                400,
                f"This PaymentIntent's status is {intent['status']}: it cannot be updated.",
                code="payment_intent_unexpected_state",
            )
        if "amount" in params:
            intent["amount"] = _at_least_minimum(params["amount"])
        if "application_fee_amount" in params:
            intent["application_fee_amount"] = _fee(params, intent["amount"])
        if "metadata" in params:
            intent["metadata"] = {**intent["metadata"], **params["metadata"]}
        method = self._method_for(params, intent["customer"])
        if method:
            intent.update(payment_method=method, status="requires_confirmation")
        return self._save(intent)

    def _confirm_payment_intent(self, params: dict, id: str) -> dict:
        intent = self.get("payment_intents", id)
        method = self._method_for(params, intent["customer"])
        if method:
            intent["payment_method"] = method
        return self._confirm(intent, params.get("off_session") == "true")

    def _cancel_payment_intent(self, params: dict, id: str) -> dict:
        intent = self.get("payment_intents", id)
        if intent["status"] not in CANCELABLE:
            raise StripeFault(
                400,
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            cancellation_reason=params.get("cancellation_reason"),
            canceled_at=stamp(utcnow()),
        )
        self._save(intent)
        self._emit("payment_intent.canceled", intent)
        return intent

    def _confirm(self, intent: dict, off_session: bool) -> dict:
        """Charge the intent's card: it pays, or the error comes back as Stripe sends it."""
        if intent["status"] not in CONFIRMABLE or not intent["payment_method"]:
            raise StripeFault(
                400,
                "You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}."
                if intent["status"] not in CONFIRMABLE
                else "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        outcome = self.card_outcome(intent["payment_method"])
        if outcome == "authentication_required" and not off_session:
            intent["status"] = "requires_action"  # the payer would authenticate on-page
            return self._save(intent)
        if outcome != "succeeded":
            return self._decline(intent, outcome)
        self._succeed(intent)  # the charge and its balance transaction, as Checkout's
        self._emit("payment_intent.succeeded", intent)
        return intent

    def _decline(self, intent: dict, outcome: str) -> dict:
        if outcome == "declined":
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            }
        else:
            error = {
                "type": "card_error",
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "message": "Your card was declined. This transaction requires authentication.",
            }
        error["payment_method"] = {"id": intent["payment_method"]}
        intent.update(status="requires_payment_method", last_payment_error=error)
        self._save(intent)
        self._emit("payment_intent.payment_failed", intent)
        fault = StripeFault(402, error["message"], "card_error")
        fault.body["error"].update(
            {k: v for k, v in error.items() if k not in ("type", "message")},
            charge="ch_" + secrets.token_hex(12),
            payment_intent=copy.deepcopy(intent),
        )
        raise fault


def _at_least_minimum(value) -> int:
    """An amount in cents, refused under Stripe's smallest US charge (on create and update)."""
    amount = _whole(value, "amount")
    if amount < 50:
        raise StripeFault(
            400, "Amount must be at least $0.50 usd", param="amount", code="amount_too_small"
        )
    return amount


def _whole(value, param: str) -> int:
    if value is None or not str(value).isdigit():
        raise StripeFault(400, f"Invalid integer: {param}.", param=param)
    return int(value)


def _fee(params: dict, amount: int) -> int | None:
    fee = params.get("application_fee_amount")
    if fee in (None, ""):
        return None
    fee = _whole(fee, "application_fee_amount")
    if fee > amount:
        raise StripeFault(
            400,
            "The application fee cannot exceed the amount of the payment.",
            param="application_fee_amount",
        )
    return fee
