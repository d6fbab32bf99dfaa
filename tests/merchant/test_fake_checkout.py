"""The fake's Checkout through the real SDK: sessions in payment and setup mode on a connected
account, what completing them leaves (PaymentIntent, charge, balance transaction, a saved card
attached to a customer), expiring, listing by PaymentIntent, and Stripe's refusals."""

from __future__ import annotations

import pytest

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe

ACCOUNT = "acct_fakecheckout01"
OTHER = "acct_fakecheckout02"
URLS = {
    "success_url": "http://a.localhost/ok?s={CHECKOUT_SESSION_ID}",
    "cancel_url": "http://a.localhost/no",
}


def _line(cents: int) -> list[dict]:
    return [
        {
            "quantity": 1,
            "price_data": {
                "currency": "usd",
                "unit_amount": cents,
                "product_data": {"name": "Premium payment — bond B-1"},
            },
        }
    ]


def _create(app, account=ACCOUNT, **params):
    with app.app_context():
        return stripe_api.client().v1.checkout.sessions.create(
            {**URLS, **params}, options={"stripe_account": account}
        )


def _complete(app, session_id, account=ACCOUNT, outcome="succeed"):
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            fake.complete(session_id, outcome)
        return [fake.get("events", e) for e in fake.take_pending()]


def _retrieve(app, service: str, object_id: str, account=ACCOUNT, **params):
    with app.app_context():
        found = stripe_api.client().v1
        for part in service.split("."):
            found = getattr(found, part)
        return found.retrieve(object_id, params=params or None, options={"stripe_account": account})


def test_a_payment_session_completes_into_a_charge_on_the_account(app):
    session = _create(
        app,
        mode="payment",
        line_items=_line(12345),
        payment_intent_data={"application_fee_amount": 400, "metadata": {"k": "v"}},
    )
    assert session.url.startswith(f"http://a.localhost/dev/stripe/checkout/{ACCOUNT}/cs_test_")
    assert (session.status, session.payment_status, session.amount_total) == (
        "open",
        "unpaid",
        12345,
    )
    assert session.payment_intent is None
    events = _complete(app, session.id)
    assert [e["type"] for e in events] == [
        "charge.succeeded",
        "checkout.session.completed",
        "payment_intent.succeeded",
    ]
    assert {e["account"] for e in events} == {ACCOUNT}
    done = _retrieve(app, "checkout.sessions", session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    intent = _retrieve(app, "payment_intents", done.payment_intent, expand=["latest_charge"])
    assert (intent.status, intent.amount_received, intent.application_fee_amount) == (
        "succeeded",
        12345,
        400,
    )
    assert intent.metadata.to_dict() == {"k": "v"}
    charge = intent.latest_charge
    assert charge.payment_intent == intent.id and charge.application_fee_amount == 400
    txn = _retrieve(app, "balance_transactions", charge.balance_transaction)
    # Stripe's 2.9% + 30 cents (358 + 30) and the platform's 400, taken from the account.
    assert (txn.amount, txn.fee, txn.net) == (12345, 788, 12345 - 788)
    with app.app_context():
        listed = stripe_api.client().v1.checkout.sessions.list(
            {"payment_intent": intent.id}, options={"stripe_account": ACCOUNT}
        )
    assert [s.id for s in listed.data] == [session.id]


def test_paying_and_keeping_the_card_attaches_it_to_a_customer(app):
    session = _create(
        app,
        mode="payment",
        line_items=_line(5000),
        customer_email="rosa@example.com",
        payment_intent_data={"setup_future_usage": "off_session"},
    )
    _complete(app, session.id)
    done = _retrieve(app, "checkout.sessions", session.id)
    intent = _retrieve(app, "payment_intents", done.payment_intent)
    assert done.customer and intent.customer == done.customer
    assert intent.setup_future_usage == "off_session"
    card = _retrieve(app, "payment_methods", intent.payment_method)
    assert card.customer == done.customer and card.card.last4 == "4242"


def test_a_setup_session_saves_a_card_without_a_payment(app):
    session = _create(
        app, mode="setup", currency="usd", setup_intent_data={"metadata": {"autopay": "1"}}
    )
    assert session.payment_status == "no_payment_required"
    events = _complete(app, session.id)
    assert [e["type"] for e in events] == ["setup_intent.succeeded", "checkout.session.completed"]
    done = _retrieve(app, "checkout.sessions", session.id)
    setup = _retrieve(app, "setup_intents", done.setup_intent)
    assert (setup.status, setup.customer, setup.usage) == (
        "succeeded",
        done.customer,
        "off_session",
    )
    assert setup.metadata.to_dict() == {"autopay": "1"}
    card = _retrieve(app, "payment_methods", setup.payment_method)
    assert card.customer == done.customer
    assert done.payment_intent is None


def test_expiring_a_session_and_what_stripe_refuses(app):
    session = _create(app, mode="payment", line_items=_line(5000))
    with app.app_context():
        sessions = stripe_api.client().v1.checkout.sessions
        expired = sessions.expire(session.id, options={"stripe_account": ACCOUNT})
        assert expired.status == "expired"
        with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
            sessions.expire(session.id, options={"stripe_account": ACCOUNT})
        # Another account sees nothing of it.
        with pytest.raises(stripe.InvalidRequestError, match=r"No such checkout\.session"):
            sessions.retrieve(session.id, options={"stripe_account": OTHER})
    with pytest.raises(stripe.InvalidRequestError, match="at least"):
        _create(app, mode="payment", line_items=_line(49))
    with pytest.raises(stripe.InvalidRequestError, match="application_fee_amount"):
        _create(
            app,
            account=None,
            mode="payment",
            line_items=_line(5000),
            payment_intent_data={"application_fee_amount": 10},
        )
    with pytest.raises(stripe.InvalidRequestError, match="cannot exceed"):
        _create(
            app,
            mode="payment",
            line_items=_line(5000),
            payment_intent_data={"application_fee_amount": 5001},
        )
    with pytest.raises(stripe.InvalidRequestError, match="expires_at"):
        _create(app, mode="payment", line_items=_line(5000), expires_at=1)
    with pytest.raises(stripe.InvalidRequestError, match="mode"):
        _create(app, mode="subscription", line_items=_line(5000))


def test_the_same_idempotency_key_returns_the_same_session(app):
    with app.app_context():
        sessions = stripe_api.client().v1.checkout.sessions
        options = {"stripe_account": ACCOUNT, "idempotency_key": "same-key-checkout-1"}
        params = {**URLS, "mode": "payment", "line_items": _line(5000)}
        first = sessions.create(params, options=options)
        again = sessions.create(params, options=options)
    assert first.id == again.id
