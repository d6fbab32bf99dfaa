"""Paying in the portal through Checkout: a direct charge on the agency's account with the
platform's fee, entered in the ledger only by the webhook, once, in any order."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.billing import accounts, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.fake_stripe import FakeStripe
from bbp.billing.models import Plan
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.mail import outbox_key
from bbp.merchant import checkout
from bbp.merchant.models import MerchantAccount, OnlinePayment
from bbp.messaging import upkeep as texts
from bbp.messaging.models import Message, OptOut
from bbp.payments.models import Instalment, PaymentPlan
from tests.billing.support import make_plan
from tests.merchant.checkout_support import (
    complete,
    connected,
    deliver,
    ledger,
    online,
    pay,
    pick,
    session_of,
    success_path,
)
from tests.portal import conftest as portal
from tests.portal.conftest import CODE, COSIGNER_EMAIL, COSIGNER_PHONE, inside, run_jobs, texts_to

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York: outside quiet hours
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


def _session(app, account: str, session_id: str) -> dict:
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            return fake.get("checkout_sessions", session_id)


def _intent(app, account: str, intent_id: str) -> dict:
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            return fake.get("payment_intents", intent_id)


def _plan(app, agency, bond_id: int, down: str, *amounts: str, start: date | None = None):
    """A payment plan: the down payment, then monthly installments from `start`."""
    start = start or NOON.date() + timedelta(days=10)
    with inside(app, agency):
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal(down))
        plan.instalments = [
            Instalment(due_on=start + timedelta(days=30 * i), amount=Decimal(amount))
            for i, amount in enumerate(amounts)
        ]
        db.session.add(plan)
        db.session.commit()


def _paid(app, account, cosigner, bond_id, **form) -> str:
    """Pay through Checkout and deliver every event; returns the session id."""
    _, session_id = session_of(pay(cosigner, bond_id, **form))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    return session_id


def test_a_payment_is_entered_once_only_when_the_webhook_confirms_it(app, tenant, book, cosigner):
    account = connected(app, tenant)
    response = pay(cosigner, book.bond_id)
    where, session_id = session_of(response)
    assert where == account
    session = _session(app, account, session_id)
    assert (session["mode"], session["amount_total"], session["status"]) == (
        "payment",
        50000,
        "open",
    )
    assert session["line_items_summary"][0]["name"] == f"Premium payment — bond {book.bond_number}"
    [row] = online(app, tenant, book.bond_id)
    assert (row.status, row.source, row.amount_cents) == ("open", "portal", 50000)
    assert row.payer == {"kind": "cosigner", "id": book.cosigner_id}
    assert (row.payer_name, row.receipt_to) == ("Rosa Reyes", f"+1{COSIGNER_PHONE}")
    assert session["metadata"] == {
        "online_payment_id": str(row.id),
        "bond_id": str(book.bond_id),
        "source": "portal",
    }
    assert session["_intent_data"]["metadata"] == session["metadata"]

    events = complete(app, account, session_id)
    # Coming back from Checkout shows "processing" and enters nothing.
    page = cosigner.get(success_path(app, account, session_id))
    assert page.status_code == 200 and "processing" in page.get_data(as_text=True)
    assert ledger(app, tenant, book.bond_id) == []
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["processing"]
    bond_page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert "is processing" in bond_page and 'id="pay-now"' not in bond_page

    assert set(deliver(app, events)) == {200}
    [(receipt, amount, external_id)] = ledger(app, tenant, book.bond_id)
    assert amount == Decimal("500.00")
    intent_id = _session(app, account, session_id)["payment_intent"]
    assert external_id == intent_id
    assert deliver(app, events) == [200] * len(events)  # redelivered: nothing more
    assert len(ledger(app, tenant, book.bond_id)) == 1
    [row] = online(app, tenant, book.bond_id)
    assert row.status == "succeeded" and row.payment_id is not None
    # The balance is computed from the ledger: paid in full, nothing more to pay.
    bond_page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert receipt in bond_page and 'id="pay-now"' not in bond_page
    done = cosigner.get(success_path(app, account, session_id)).get_data(as_text=True)
    assert f"Receipt {receipt}" in done
    # The receipt is texted once, to the phone the cosigner signed in with.
    [text] = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "receipt"]
    assert receipt in text.body and "$500.00" in text.body
    assert f"/portal/payments/{row.payment_id}/receipt.pdf" in text.body


@pytest.mark.parametrize(
    "order",
    [
        ("payment_intent.succeeded", "checkout.session.completed"),
        ("checkout.session.completed", "payment_intent.succeeded"),
        ("payment_intent.succeeded",),
        ("checkout.session.completed",),
    ],
)
def test_either_event_alone_or_in_any_order_enters_the_payment_once(
    app, tenant, book, cosigner, order
):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    events = pick(app, complete(app, account, session_id), *order)
    assert deliver(app, events) == [200] * len(order)
    assert deliver(app, list(reversed(events))) == [200] * len(order)
    assert [amount for _, amount, _ in ledger(app, tenant, book.bond_id)] == [Decimal("500.00")]
    assert len([m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "receipt"]) == 1


def test_concurrent_deliveries_of_both_events_enter_one_payment(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    events = pick(
        app,
        complete(app, account, session_id),
        "payment_intent.succeeded",
        "checkout.session.completed",
    )
    statuses: list[list[int]] = []
    threads = [
        threading.Thread(target=lambda e=e: statuses.append(deliver(app, [e]))) for e in events * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s for batch in statuses for s in batch) == [200] * 4
    assert len(ledger(app, tenant, book.bond_id)) == 1


def test_the_charge_is_direct_on_the_agencys_account_with_the_plans_fee(
    app, tenant, book, cosigner
):
    account = connected(app, tenant)
    with inside(app, tenant):
        db.session.get(Bond, book.bond_id).premium = Decimal("2000.00")
        db.session.commit()
    plan_id = make_plan(app)
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        plan.application_fee_bps, plan.application_fee_cents = 150, 25  # 1.5% + $0.25
        db.session.commit()
        accounts.choose_plan(tenant.info.id, plan_id, "test")
    _, session_id = session_of(pay(cosigner, book.bond_id, choice="other", amount="$1,234.56"))
    session = _session(app, account, session_id)
    assert session["amount_total"] == 123456
    # 1.5% of $1,234.56 is 1851.84 cents, rounded half up to 1852, plus the fixed 25.
    assert session["_intent_data"]["application_fee_amount"] == "1877"
    with app.app_context():
        fake = stripe_api.fake()
        calls = [c for c in fake.requests if c[:2] == ("POST", "/v1/checkout/sessions")]
        [(_, _, key)] = calls[-1:]
        assert key and key.startswith("bbp-checkout-")
        # Another account (or the platform's own) does not see the session.
        with fake.acting_as(None), pytest.raises(Exception, match="No such"):
            fake.get("checkout_sessions", session_id)
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [(_, amount, intent_id)] = ledger(app, tenant, book.bond_id)
    assert amount == Decimal("1234.56")
    with app.app_context():
        client = stripe_api.client()
        intent = client.v1.payment_intents.retrieve(intent_id, options={"stripe_account": account})
        charge = client.v1.charges.retrieve(
            intent.latest_charge,
            params={"expand": ["balance_transaction"]},
            options={"stripe_account": account},
        )
    assert (intent.amount_received, intent.application_fee_amount) == (123456, 1877)
    assert charge.application_fee_amount == 1877
    assert charge.balance_transaction.amount == 123456
    assert charge.balance_transaction.net == 123456 - charge.balance_transaction.fee


def test_three_installments_of_an_odd_amount_add_up_to_the_cent(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _plan(app, tenant, book.bond_id, "0", "166.67", "166.67", "166.66")
    page = cosigner.get(f"/portal/bonds/{book.bond_id}/pay").get_data(as_text=True)
    assert "$166.67" in page
    for _ in range(3):
        _paid(app, account, cosigner, book.bond_id)
    amounts = [amount for _, amount, _ in ledger(app, tenant, book.bond_id)]
    assert amounts == [Decimal("166.67"), Decimal("166.67"), Decimal("166.66")]
    assert sum(amounts) == Decimal("500.00")
    bond_page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert "$0.00" in bond_page and 'id="pay-now"' not in bond_page


def test_a_single_cent_is_entered_as_exactly_one_cent(app, tenant, book, cosigner):
    """Stripe's own minimum ($0.50) refuses a $0.01 Checkout, so the page says so; a one-cent
    PaymentIntent of ours Stripe confirms anyway still enters as $0.01, not rounded."""
    account = connected(app, tenant)
    response = pay(cosigner, book.bond_id, choice="other", amount="0.01")
    assert response.status_code == 422
    assert "The smallest amount you can pay online is $0.50." in response.get_data(as_text=True)
    [row_id] = [r.id for r in online(app, tenant, book.bond_id)] or [None]
    assert row_id is None
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            intent = _succeeded_intent(fake, 1, {})
            fake._emit("payment_intent.succeeded", intent)
        events = fake.take_pending()
    with inside(app, tenant):
        db.session.add(
            OnlinePayment(
                bond_id=book.bond_id,
                source="portal",
                status="processing",
                amount_cents=1,
                stripe_account_id=account,
                payment_intent_id=intent["id"],
                payer_name="Test Payer",
            )
        )
        db.session.commit()
    assert deliver(app, events) == [200]
    assert [amount for _, amount, _ in ledger(app, tenant, book.bond_id)] == [Decimal("0.01")]


def _succeeded_intent(fake, cents: int, metadata: dict) -> dict:
    """A PaymentIntent made on the account outside our Checkout (the agency's Dashboard, say)."""
    return fake._new(
        "payment_intents",
        amount=cents,
        amount_received=cents,
        currency="usd",
        status="succeeded",
        metadata=metadata,
        last_payment_error=None,
        latest_charge=None,
        application_fee_amount=None,
    )


def test_metadata_alone_never_ties_a_payment_to_a_bond(app, tenant, book, cosigner):
    """Anyone with access to the agency's account can write metadata: a PaymentIntent that names
    our pending row or a bond, but is not the row's own, enters nothing and takes nothing's place."""
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id, choice="other", amount="500.00"))
    [row] = online(app, tenant, book.bond_id)
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            foreign = _succeeded_intent(
                fake, 100, {"online_payment_id": str(row.id), "bond_id": str(book.bond_id)}
            )
            fake._emit("payment_intent.succeeded", foreign)
        events = fake.take_pending()
    assert deliver(app, events) == [200]
    assert ledger(app, tenant, book.bond_id) == []
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [(_, amount, _)] = ledger(app, tenant, book.bond_id)
    assert amount == Decimal("500.00")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("500.01", "The most you can pay is the balance, $500.00."),
        ("0", "The amount must be more than $0.00."),
        ("-5", "The amount must be more than $0.00."),
        ("abc", "Enter an amount such as 25 or 25.50."),
        ("12.345", "Amounts cannot include fractions of a cent."),
        ("", "Enter the amount you want to pay."),
        ("1e400", "The most you can pay is the balance, $500.00."),
        ("NaN", "Enter an amount such as 25 or 25.50."),
    ],
)
def test_a_wrong_amount_is_refused_beside_the_field_and_kept(
    app, tenant, book, cosigner, typed, message
):
    connected(app, tenant)
    response = pay(cosigner, book.bond_id, choice="other", amount=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<small id="pay-amount-error" class="field-error">{message}</small>' in page
    assert f'value="{typed}"' in page
    assert online(app, tenant, book.bond_id) == []


def test_an_amount_typed_in_the_box_is_the_one_paid(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id, choice="due", amount="75.25"))
    assert _session(app, account, session_id)["amount_total"] == 7525


def test_a_second_pay_expires_the_open_session_and_never_pays_twice(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _, first = session_of(pay(cosigner, book.bond_id))
    _, second = session_of(pay(cosigner, book.bond_id))  # came back without paying, pays again
    assert first != second
    assert _session(app, account, first)["status"] == "expired"
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["expired", "open"]
    # The old session's page cannot be paid any more.
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account), pytest.raises(Exception, match="no longer open"):
            fake.complete(first)
    events = complete(app, account, second)
    # Paid in another tab; the webhook has not arrived: a third Pay waits for it.
    response = pay(cosigner, book.bond_id)
    assert response.status_code == 409
    assert "is processing" in response.get_data(as_text=True)
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["expired", "processing"]
    assert set(deliver(app, events)) == {200}
    assert len(ledger(app, tenant, book.bond_id)) == 1
    # The expired session's event changes nothing.
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["expired", "succeeded"]


def test_another_payer_cannot_knock_an_open_checkout_out_until_it_is_abandoned(
    app, tenant, book, cosigner, clock
):
    """The defendant pressing Pay while the cosigner is on the Checkout page waits; a session left
    open past OTHERS_SESSION_HELD counts as abandoned and may be replaced."""
    account = connected(app, tenant)
    _, cosigners = session_of(pay(cosigner, book.bond_id))
    defendant = checkout.Payer({"kind": "defendant", "id": book.defendant_id}, "Dee Fendant", "")

    def defendant_pays():
        with inside(app, tenant):
            bond = db.session.get(Bond, book.bond_id)
            return checkout.start(
                bond,
                5000,
                defendant,
                source="portal",
                success_url="https://pay.example/s",
                cancel_url="https://pay.example/c",
            )

    with pytest.raises(checkout.Processing):
        defendant_pays()
    assert _session(app, account, cosigners)["status"] == "open"
    clock.advance(minutes=checkout.OTHERS_SESSION_HELD.total_seconds() / 60 + 1)
    assert defendant_pays()
    assert _session(app, account, cosigners)["status"] == "expired"
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["expired", "open"]


def test_a_declined_card_leaves_the_payment_open_to_try_again(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    events = complete(app, account, session_id, "decline")
    assert deliver(app, events) == [200]
    [row] = online(app, tenant, book.bond_id)
    assert (row.status, row.last_error) == ("open", "Your card was declined.")
    assert ledger(app, tenant, book.bond_id) == []
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    assert len(ledger(app, tenant, book.bond_id)) == 1


def test_a_payment_that_settles_later_shows_processing_then_fails_or_enters(
    app, tenant, book, cosigner
):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id, "later"))) == {200}
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["processing"]
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            fake.settle_later(session_id, succeed=False)
        failed = fake.take_pending()
    assert set(deliver(app, failed)) == {200}
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["failed"]
    assert ledger(app, tenant, book.bond_id) == []
    # Paying again is possible, and the later success of another attempt enters once.
    _, again = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, again, "later"))) == {200}
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            fake.settle_later(again, succeed=True)
        settled = fake.take_pending()
    assert set(deliver(app, settled + settled)) == {200}
    assert len(ledger(app, tenant, book.bond_id)) == 1


def test_an_abandoned_session_expires(app, tenant, book, cosigner):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    with app.app_context():
        client = stripe_api.client()
        client.v1.checkout.sessions.expire(session_id, options={"stripe_account": account})
        events = stripe_api.fake().take_pending()
    assert deliver(app, events) == [200]
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["expired"]
    assert 'id="pay-now"' in cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)


def test_no_pay_button_until_the_agencys_account_takes_charges(app, tenant, book, cosigner):
    page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert 'id="pay-now"' not in page
    assert cosigner.get(f"/portal/bonds/{book.bond_id}/pay").status_code == 404
    connected(app, tenant, charges=False)
    assert cosigner.get(f"/portal/bonds/{book.bond_id}/pay").status_code == 404
    assert pay(cosigner, book.bond_id).status_code == 404


def test_a_disconnected_account_takes_no_payments(app, tenant, book, cosigner):
    connected(app, tenant)
    with inside(app, tenant):
        for row in db.session.scalars(select(MerchantAccount)):
            row.disconnected_at = NOON
        db.session.commit()
    assert 'id="pay-now"' not in cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(
        as_text=True
    )
    assert pay(cosigner, book.bond_id).status_code == 404


def test_the_receipt_goes_by_email_to_a_payer_signed_in_by_email(app, redis, tenant, book, visit):
    account = connected(app, tenant)
    visitor = visit(tenant)
    visitor.get("/portal/login?by=email")
    visitor.post("/portal/login", {"contact": COSIGNER_EMAIL})
    run_jobs(app)
    [mail] = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), -1, -1)]
    code = CODE.search(mail["body"]).group(1)
    assert visitor.post("/portal/code", {"code": code}).status_code == 302
    _, session_id = session_of(pay(visitor, book.bond_id))
    assert _session(app, account, session_id)["customer_email"] == COSIGNER_EMAIL
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    [(receipt, _, _)] = ledger(app, tenant, book.bond_id)
    run_jobs(app)
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    [sent] = [m for m in mails if receipt in m["subject"]]
    assert sent["to"] == COSIGNER_EMAIL and "$500.00" in sent["body"]


def test_a_receipt_confirmed_in_quiet_hours_waits_for_morning(
    app, redis, tenant, book, cosigner, owner, daytime
):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    events = complete(app, account, session_id)
    daytime.set(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))  # 10 PM in New York
    assert set(deliver(app, events)) == {200}
    assert len(ledger(app, tenant, book.bond_id)) == 1  # entered at once; the text is held
    run_jobs(app)
    [held] = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "receipt"]
    morning = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 8 AM, when quiet hours end
    assert (held.status, held.not_before) == ("queued", morning)
    with inside(app, tenant):
        assert texts.next_due(daytime.now) == morning  # no waking every few minutes all night
    page = owner.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert "Held for quiet hours until Dec 2, 2026 8:00 AM" in page
    daytime.set(datetime(2026, 12, 2, 5, 0, tzinfo=UTC))  # still night: the texts task waits
    with inside(app, tenant):
        assert texts.tend()["requeued"] == 0
    daytime.set(morning)
    with inside(app, tenant):
        assert texts.tend()["requeued"] == 1
        texts.tend()  # the task twice: one text
    run_jobs(app)
    receipts = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "receipt"]
    assert [(m.status, m.attempts) for m in receipts] == [("sent", 1)]


def test_opted_out_payers_get_no_receipt_text(app, tenant, book, cosigner):
    account = connected(app, tenant)
    with inside(app, tenant):
        db.session.add(OptOut(phone=f"+1{COSIGNER_PHONE}", keyword="STOP"))
        db.session.commit()
    _paid(app, account, cosigner, book.bond_id)
    with inside(app, tenant):
        [text] = db.session.scalars(select(Message).where(Message.purpose == "receipt")).all()
        assert text.status == "opted_out"


def test_stripe_out_of_reach_keeps_nothing_and_says_try_again(
    app, tenant, book, cosigner, monkeypatch
):
    connected(app, tenant)

    def down(self, params):
        raise StripeFault(500, "An error occurred with our connection to Stripe.", "api_error")

    monkeypatch.setattr(FakeStripe, "_create_checkout_session", down)
    response = pay(cosigner, book.bond_id)
    assert response.status_code == 409
    assert "The payment page could not be opened." in response.get_data(as_text=True)
    assert online(app, tenant, book.bond_id) == []


def test_back_from_checkouts_cancel_says_nothing_was_charged(app, tenant, book, cosigner):
    connected(app, tenant)
    page = cosigner.get(f"/portal/bonds/{book.bond_id}/pay?canceled=1").get_data(as_text=True)
    assert "Payment canceled. Nothing was charged." in page
    plain = cosigner.get(f"/portal/bonds/{book.bond_id}/pay").get_data(as_text=True)
    assert "Payment canceled" not in plain
