"""The fake Stripe's Checkout: sessions (payment and setup mode), and the PaymentIntents,
charges, balance transactions, SetupIntents and saved cards a completed session leaves behind
(a mixin of `FakeStripe`; objects belong to the connected account of the request's
Stripe-Account header, as on Stripe).

Stripe hosts Checkout's page; with no key there is none, so a session's url is the development
stand-in `/dev/stripe/checkout/<account>/<session>` on the host of its success url
(`bbp.merchant.views.fake_checkout`), whose buttons call `complete` here: pay with the test card
4242, be declined, or pay by a method that settles later (`settle_later`). Each change emits the
events Stripe sends for it, on the connected account.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from bbp.billing.fake_portal import TEST_CARD
from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

STANDIN_PATH = "/dev/stripe/checkout/"
# Stripe's US card pricing, which the fake charges the connected account: 2.9% + 30 cents.
CARD_FEE_BPS, CARD_FEE_FIXED = 290, 30
MIN_LIFETIME, MAX_LIFETIME = timedelta(minutes=30), timedelta(hours=24)
DECLINE = {
    "type": "card_error",
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
}
OUTCOMES = ("succeed", "decline", "later")


def _cents(value, param: str) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise StripeFault(400, f"Invalid integer: {value}", param=param)
    return int(value)


def _url(params: dict, name: str, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None and not required:
        return None
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeFault(400, f"Invalid URL: {name}.", param=name)
    return value


class CheckoutSessions:
    """`/v1/checkout/sessions` and what completing one makes."""

    KINDS = {
        "checkout_sessions": ("cs_test", "checkout.session"),
        "payment_intents": ("pi", "payment_intent"),
        "charges": ("ch", "charge"),
        "balance_transactions": ("txn", "balance_transaction"),
        "setup_intents": ("seti", "setup_intent"),
    }
    ROUTES = [
        ("post", r"/v1/checkout/sessions", "_create_checkout_session"),
        ("get", r"/v1/checkout/sessions", "_list_checkout_sessions"),
        ("get", f"/v1/checkout/sessions/{ID}", "_retrieve_checkout_session"),
        ("post", f"/v1/checkout/sessions/{ID}/expire", "_expire_checkout_session"),
        ("get", f"/v1/payment_intents/{ID}", "_retrieve_payment_intent"),
        ("get", f"/v1/charges/{ID}", "_retrieve_charge"),
        ("get", f"/v1/balance_transactions/{ID}", "_retrieve_balance_transaction"),
        ("get", f"/v1/setup_intents/{ID}", "_retrieve_setup_intent"),
        ("get", f"/v1/payment_methods/{ID}", "_retrieve_payment_method"),
    ]

    # Creating ---------------------------------------------------------------------------
    def _create_checkout_session(self, params: dict) -> dict:
        mode = params.get("mode")
        if mode not in ("payment", "setup"):
            raise StripeFault(400, "The fake answers mode payment or setup.", param="mode")
        success_url = _url(params, "success_url")
        cancel_url = _url(params, "cancel_url", required=False)
        customer = params.get("customer")
        if customer:
            self.get("customers", customer)
        now = utcnow()
        expires_at = (
            _cents(params["expires_at"], "expires_at")
            if "expires_at" in params
            else stamp(now + MAX_LIFETIME)
        )
        if not stamp(now + MIN_LIFETIME) - 5 <= expires_at <= stamp(now + MAX_LIFETIME) + 5:
            raise StripeFault(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                param="expires_at",
            )
        intent_data = params.get("payment_intent_data") or {}
        amount = (
            self._line_total(params.get("line_items"), intent_data) if mode == "payment" else None
        )
        if mode == "setup" and intent_data:
            raise StripeFault(
                400,
                "payment_intent_data can only be used in payment mode.",
                param="payment_intent_data",
            )
        session = self._new(
            "checkout_sessions",
            mode=mode,
            status="open",
            payment_status="no_payment_required" if mode == "setup" else "unpaid",
            amount_total=amount,
            amount_subtotal=amount,
            currency=params.get("currency") or ("usd" if mode == "payment" else None),
            customer=customer or None,
            customer_email=params.get("customer_email"),
            customer_creation=params.get("customer_creation")
            or (None if customer else "if_required"),
            customer_details=None,
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata") or {},
            payment_intent=None,
            setup_intent=None,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=expires_at,
            line_items_summary=self._lines(params.get("line_items")) if mode == "payment" else [],
            # What the PaymentIntent / SetupIntent will get (Stripe keeps it out of the object).
            _intent_data=intent_data
            if mode == "payment"
            else params.get("setup_intent_data") or {},
        )
        origin = urlsplit(success_url)
        where = self.account or "platform"
        session["url"] = f"{origin.scheme}://{origin.netloc}{STANDIN_PATH}{where}/{session['id']}"
        self.redis.rpush(self._sessions_key(), session["id"])
        return self._save(session)

    def _lines(self, items) -> list[dict]:
        if not isinstance(items, list) or not items:
            raise StripeFault(400, "Missing required param: line_items.", param="line_items")
        lines = []
        for index, item in enumerate(items):
            data = item.get("price_data") if isinstance(item, dict) else None
            name = ((data or {}).get("product_data") or {}).get("name")
            if not data or not name:
                raise StripeFault(
                    400,
                    "The fake takes line items with price_data and product_data[name].",
                    param=f"line_items[{index}][price_data]",
                )
            unit = _cents(data.get("unit_amount"), f"line_items[{index}][price_data][unit_amount]")
            quantity = _cents(item.get("quantity", "1"), f"line_items[{index}][quantity]")
            if unit < 1 or quantity < 1:
                raise StripeFault(400, "Amounts must be positive.", param=f"line_items[{index}]")
            lines.append({"name": name, "unit_amount": unit, "quantity": quantity})
        return lines

    def _line_total(self, items, intent_data: dict) -> int:
        total = sum(line["unit_amount"] * line["quantity"] for line in self._lines(items))
        if total < 50:
            raise StripeFault(
                400, "The Checkout Session's total amount due must add up to at least $0.50 usd"
            )
        fee = intent_data.get("application_fee_amount")
        if fee is not None:
            if not self.account:
                raise StripeFault(
                    400,
                    "Can only apply an application_fee_amount when the PaymentIntent is "
                    "attempting a direct payment (using an OAuth key or Stripe-Account header) "
                    "or destination payment (using `transfer_data[destination]`).",
                    param="payment_intent_data[application_fee_amount]",
                )
            if _cents(fee, "payment_intent_data[application_fee_amount]") > total:
                raise StripeFault(
                    400,
                    "The application fee cannot exceed the amount.",
                    param="payment_intent_data[application_fee_amount]",
                )
        return total

    # Reading ----------------------------------------------------------------------------
    def _retrieve_checkout_session(self, params: dict, id: str) -> dict:
        return self._shown_session(self.get("checkout_sessions", id))

    def _list_checkout_sessions(self, params: dict) -> dict:
        wanted = params.get("payment_intent")
        found = []
        for raw in self.redis.lrange(self._sessions_key(), 0, -1):
            session = self.get("checkout_sessions", raw.decode() if isinstance(raw, bytes) else raw)
            if wanted is None or session["payment_intent"] == wanted:
                found.append(self._shown_session(session))
        limit = int(params.get("limit", "10")) if str(params.get("limit", "10")).isdigit() else 10
        found.reverse()  # newest first, as Stripe lists
        return {
            "object": "list",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "url": "/v1/checkout/sessions",
        }

    def _shown_session(self, session: dict) -> dict:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def _retrieve_payment_intent(self, params: dict, id: str) -> dict:
        intent = self.get("payment_intents", id)
        if "latest_charge" in (params.get("expand") or []) and intent["latest_charge"]:
            intent = {
                **intent,
                "latest_charge": self._retrieve_charge(params, intent["latest_charge"]),
            }
        return intent

    def _retrieve_charge(self, params: dict, id: str) -> dict:
        charge = self.get("charges", id)
        expand = params.get("expand") or []
        wanted = {"balance_transaction", "latest_charge.balance_transaction"} & set(expand)
        if wanted and charge["balance_transaction"]:
            txn = self.get("balance_transactions", charge["balance_transaction"])
            charge = {**charge, "balance_transaction": txn}
        return charge

    def _retrieve_balance_transaction(self, params: dict, id: str) -> dict:
        return self.get("balance_transactions", id)

    def _retrieve_setup_intent(self, params: dict, id: str) -> dict:
        return self.get("setup_intents", id)

    def _retrieve_payment_method(self, params: dict, id: str) -> dict:
        return self.get("payment_methods", id)

    # Expiring ---------------------------------------------------------------------------
    def _expire_checkout_session(self, params: dict, id: str) -> dict:
        session = self.get("checkout_sessions", id)
        if session["status"] != "open":
            raise StripeFault(
                400, 'Only Checkout Sessions with a status in ["open"] can be expired.'
            )
        session["status"] = "expired"
        if session["payment_intent"]:
            intent = self.get("payment_intents", session["payment_intent"])
            intent.update(status="canceled", canceled_at=stamp(utcnow()))
            self._save(intent)
        self._save(session)
        self._emit("checkout.session.expired", self._shown_session(session))
        return self._shown_session(session)

    # The stand-in page's buttons --------------------------------------------------------
    def complete(self, session_id: str, outcome: str = "succeed") -> dict:
        """Pay (or save a card for) an open session as its hosted page would: "succeed" with the
        test card 4242, "decline" (the session stays open for another card), or "later" (a
        payment method that settles afterwards: see `settle_later`). Call inside
        `acting_as(account)`."""
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        session = self.get("checkout_sessions", session_id)
        if session["status"] != "open":
            raise StripeFault(400, "This Checkout Session is no longer open.")
        if session["expires_at"] <= stamp(utcnow()):
            return self._expire_checkout_session({}, session_id)
        if session["mode"] == "setup":
            return self._complete_setup(session, outcome)
        return self._complete_payment(session, outcome)

    def _complete_payment(self, session: dict, outcome: str) -> dict:
        data = session["_intent_data"]
        keep = data.get("setup_future_usage") in ("off_session", "on_session")
        customer = self._customer_for(session, keep or session["customer_creation"] == "always")
        card = self._card(customer if keep else None, session)
        intent = self._intent_for(session, data, customer, card)
        if outcome == "decline":
            intent.update(
                status="requires_payment_method",
                last_payment_error={**DECLINE, "payment_method": card},
            )
            session["payment_intent"] = intent["id"]
            self._save(intent)
            self._save(session)
            self._emit("payment_intent.payment_failed", intent)
            return self._shown_session(session)
        session.update(
            status="complete",
            payment_intent=intent["id"],
            customer=customer["id"] if customer else None,
            customer_details=self._details(session),
        )
        if outcome == "later":
            intent.update(status="processing", last_payment_error=None)
            self._save(intent)
            self._save(session)
            self._emit("payment_intent.processing", intent)
            self._emit("checkout.session.completed", self._shown_session(session))
            return self._shown_session(session)
        self._succeed(intent)
        session["payment_status"] = "paid"
        self._save(session)
        self._emit("checkout.session.completed", self._shown_session(session))
        self._emit("payment_intent.succeeded", intent)
        return self._shown_session(session)

    def settle_later(self, session_id: str, succeed: bool) -> dict:
        """The delayed payment method of a session completed with "later" settles (or fails)."""
        session = self.get("checkout_sessions", session_id)
        intent = self.get("payment_intents", session["payment_intent"] or "")
        if intent["status"] != "processing":
            raise StripeFault(400, "The payment is not processing.")
        if succeed:
            self._succeed(intent)
            session["payment_status"] = "paid"
            self._save(session)
            self._emit("checkout.session.async_payment_succeeded", self._shown_session(session))
            self._emit("payment_intent.succeeded", intent)
        else:
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    **DECLINE,
                    "code": "payment_method_provider_decline",
                    "message": "The bank declined the payment.",
                },
            )
            self._save(intent)
            self._emit("checkout.session.async_payment_failed", self._shown_session(session))
            self._emit("payment_intent.payment_failed", intent)
        return self._shown_session(session)

    def _complete_setup(self, session: dict, outcome: str) -> dict:
        customer = self._customer_for(session, True)
        card = self._card(customer, session)
        data = session["_intent_data"]
        setup = self._new(
            "setup_intents",
            status="succeeded" if outcome == "succeed" else "requires_payment_method",
            customer=customer["id"],
            payment_method=card if outcome == "succeed" else None,
            usage="off_session",
            metadata=data.get("metadata") or {},
            last_setup_error=None if outcome == "succeed" else {**DECLINE, "payment_method": card},
            payment_method_types=["card"],
        )
        if outcome != "succeed":
            session["setup_intent"] = setup["id"]
            self._save(session)
            self._emit("setup_intent.setup_failed", setup)
            return self._shown_session(session)
        session.update(
            status="complete",
            setup_intent=setup["id"],
            customer=customer["id"],
            customer_details=self._details(session),
        )
        self._save(session)
        self._emit("setup_intent.succeeded", setup)
        self._emit("checkout.session.completed", self._shown_session(session))
        return self._shown_session(session)

    # What a payment leaves behind -------------------------------------------------------
    def _customer_for(self, session: dict, needed: bool) -> dict | None:
        if session["customer"]:
            return self.get("customers", session["customer"])
        if not needed:
            return None
        return self._new(
            "customers",
            email=session["customer_email"],
            name=None,
            metadata={},
            invoice_settings={"default_payment_method": None},
            address=None,
        )

    def _card(self, customer: dict | None, session: dict) -> str:
        """Stripe's test Visa as a PaymentMethod, attached to the customer when it is kept."""
        card = self._new(
            "payment_methods",
            type="card",
            customer=customer["id"] if customer else None,
            card={**TEST_CARD, "funding": "credit", "country": "US"},
            billing_details={"email": session["customer_email"], "name": None},
        )
        return card["id"]

    def _details(self, session: dict) -> dict:
        return {"email": session["customer_email"], "name": None, "phone": None}

    def _intent_for(self, session: dict, data: dict, customer: dict | None, card: str) -> dict:
        if session["payment_intent"]:  # a declined card before: the same PaymentIntent again
            intent = self.get("payment_intents", session["payment_intent"])
            intent.update(payment_method=card, customer=customer["id"] if customer else None)
            return intent
        fee = data.get("application_fee_amount")
        return self._new(
            "payment_intents",
            amount=session["amount_total"],
            amount_received=0,
            amount_capturable=0,
            currency=session["currency"],
            status="requires_payment_method",
            application_fee_amount=int(fee) if fee is not None else None,
            metadata=data.get("metadata") or {},
            description=data.get("description"),
            customer=customer["id"] if customer else None,
            payment_method=card,
            setup_future_usage=data.get("setup_future_usage"),
            capture_method="automatic",
            confirmation_method="automatic",
            payment_method_types=["card"],
            latest_charge=None,
            last_payment_error=None,
            canceled_at=None,
            on_behalf_of=None,
            transfer_data=None,
            receipt_email=session["customer_email"],
        )

    def _succeed(self, intent: dict) -> None:
        """Charge the card: the charge, its balance transaction on the account, the intent."""
        amount, fee = intent["amount"], intent["application_fee_amount"] or 0
        stripe_fee = (
            int((Decimal(amount) * CARD_FEE_BPS / 10_000).quantize(Decimal(1), ROUND_HALF_UP))
            + CARD_FEE_FIXED
        )
        charge_id = "ch_" + secrets.token_hex(12)
        txn = self._new(
            "balance_transactions",
            amount=amount,
            currency=intent["currency"],
            fee=stripe_fee + fee,
            fee_details=[
                {
                    "amount": stripe_fee,
                    "currency": "usd",
                    "type": "stripe_fee",
                    "description": "Stripe processing fees",
                    "application": None,
                },
                *(
                    [
                        {
                            "amount": fee,
                            "currency": "usd",
                            "type": "application_fee",
                            "description": "Application fee",
                            "application": "ca_bbp_fake",
                        }
                    ]
                    if fee
                    else []
                ),
            ],
            net=amount - stripe_fee - fee,
            type="charge",
            reporting_category="charge",
            source=charge_id,
            status="pending",
            available_on=stamp(utcnow() + timedelta(days=2)),
            description=intent["description"],
        )
        charge = {
            "id": charge_id,
            "object": "charge",
            "created": stamp(utcnow()),
            "livemode": False,
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": 0,
            "application_fee_amount": intent["application_fee_amount"],
            "balance_transaction": txn["id"],
            "captured": True,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "metadata": intent["metadata"],
            "outcome": {"network_status": "approved_by_network", "type": "authorized"},
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "payment_method_details": {
                "type": "card",
                "card": {
                    "brand": TEST_CARD["brand"],
                    "last4": TEST_CARD["last4"],
                    "exp_month": TEST_CARD["exp_month"],
                    "exp_year": TEST_CARD["exp_year"],
                },
            },
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False},
            "status": "succeeded",
        }
        self._save(charge)
        intent.update(
            status="succeeded",
            amount_received=amount,
            latest_charge=charge_id,
            last_payment_error=None,
        )
        self._save(intent)
        self._emit("charge.succeeded", charge)

    def _sessions_key(self) -> str:
        return platform_key("stripe-fake", "account", self.account or "platform", "sessions")
