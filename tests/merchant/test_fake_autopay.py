"""The fake Stripe's off-session charges, driven through the real SDK: Stripe's test payment
methods decide the outcome, on the connected account only."""

from __future__ import annotations

import pytest

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from tests.merchant.support import connected, fake


@pytest.fixture
def account(app, tenant) -> str:
    return connected(app, tenant)


def client(app):
    with app.app_context():
        return stripe_api.client()


def intent(app, account: str, card: str, amount: int = 13333, **extra):
    options = {"stripe_account": account}
    customer = client(app).v1.customers.create(params={"name": "Rosa"}, options=options)
    return client(app).v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": card,
            "application_fee_amount": 150,
            "confirm": False,
            **extra,
        },
        options=options,
    )


def events(app) -> list[dict]:
    stub = fake(app)
    return [stub.get("events", i) for i in stub.take_pending()]


def test_a_visa_pays_off_session_and_says_so_on_the_account(app, account):
    made = intent(app, account, "pm_card_visa")
    assert made.status == "requires_confirmation" and made.payment_method.startswith("pm_")
    done = client(app).v1.payment_intents.confirm(
        made.id, params={"off_session": True}, options={"stripe_account": account}
    )
    assert (done.status, done.amount_received, done.application_fee_amount) == (
        "succeeded",
        13333,
        150,
    )
    [succeeded] = [e for e in events(app) if e["type"] == "payment_intent.succeeded"]
    assert succeeded["account"] == account and succeeded["data"]["object"]["id"] == made.id


def test_a_declined_card_is_a_card_error_and_the_intent_waits_for_another(app, account):
    made = intent(app, account, "pm_card_chargeDeclined")
    with pytest.raises(stripe.CardError) as caught:
        client(app).v1.payment_intents.confirm(
            made.id, params={"off_session": True}, options={"stripe_account": account}
        )
    assert caught.value.code == "card_declined"
    assert caught.value.error.decline_code == "generic_decline"
    again = client(app).v1.payment_intents.retrieve(made.id, options={"stripe_account": account})
    assert again.status == "requires_payment_method"
    assert again.last_payment_error.decline_code == "generic_decline"
    assert [e["type"] for e in events(app)][-1] == "payment_intent.payment_failed"


def test_a_card_needing_its_holder_fails_off_session(app, account):
    made = intent(app, account, "pm_card_authenticationRequired")
    with pytest.raises(stripe.CardError) as caught:
        client(app).v1.payment_intents.confirm(
            made.id, params={"off_session": True}, options={"stripe_account": account}
        )
    assert caught.value.code == "authentication_required"


def test_a_saved_cards_outcome_can_change_and_the_intent_be_retried(app, account):
    made = intent(app, account, "pm_card_chargeDeclined")
    intents, options = client(app).v1.payment_intents, {"stripe_account": account}
    with pytest.raises(stripe.CardError):
        intents.confirm(made.id, params={"off_session": True}, options=options)
    stub = fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.set_card_outcome(made.payment_method, "pm_card_visa")
    intents.update(
        made.id, params={"amount": 10000, "application_fee_amount": 120}, options=options
    )
    done = intents.confirm(
        made.id,
        params={"off_session": True, "payment_method": made.payment_method},
        options=options,
    )
    assert (done.status, done.amount_received, done.application_fee_amount) == (
        "succeeded",
        10000,
        120,
    )
    with pytest.raises(stripe.InvalidRequestError):
        intents.confirm(made.id, params={"off_session": True}, options=options)
    with pytest.raises(stripe.InvalidRequestError):
        intents.cancel(made.id, options=options)


def test_an_unconfirmed_intent_is_cancelled_and_cannot_be_charged(app, account):
    made = intent(app, account, "pm_card_visa")
    intents, options = client(app).v1.payment_intents, {"stripe_account": account}
    assert intents.cancel(made.id, options=options).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        intents.confirm(made.id, params={"off_session": True}, options=options)


def test_intents_belong_to_their_account(app, account, other_tenant):
    made = intent(app, account, "pm_card_visa")
    elsewhere = connected(app, other_tenant)
    with pytest.raises(stripe.InvalidRequestError):
        client(app).v1.payment_intents.retrieve(made.id, options={"stripe_account": elsewhere})
    with pytest.raises(stripe.InvalidRequestError):
        client(app).v1.payment_intents.confirm(made.id, options={"stripe_account": elsewhere})


def test_a_fee_above_the_amount_is_refused(app, account):
    with pytest.raises(stripe.InvalidRequestError):
        intent(app, account, "pm_card_visa", amount=100, application_fee_amount=101)


def test_stripes_fifty_cent_minimum_holds_on_create_and_on_update(app, account):
    """Security review finding 4: the fake refuses what Stripe refuses, so autopay's handling of
    a remainder under $0.50 is tested against the same refusal."""
    intents, options = client(app).v1.payment_intents, {"stripe_account": account}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        intent(app, account, "pm_card_visa", amount=49, application_fee_amount=1)
    assert refused.value.code == "amount_too_small"
    made = intent(app, account, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        intents.update(made.id, params={"amount": 49}, options=options)
    assert refused.value.code == "amount_too_small"
    assert intents.retrieve(made.id, options=options).amount == 13333
    assert intents.update(made.id, params={"amount": 50}, options=options).amount == 50
