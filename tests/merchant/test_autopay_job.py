"""The autopay job: due days in the agency's zone, the retry schedule, and never a second charge
for one installment whatever retries, webhooks and workers do."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.merchant import (
    autopay_charges,
    autopay_days,
    autopay_queries,
    disconnecting,
    enrollment,
)
from bbp.merchant.models import AutopayEnrollment, OnlinePayment, PayLink
from bbp.payments import plans
from bbp.tenancy import bound
from bbp.tenancy.models import TenantWakeup
from tests.merchant import autopay_support as support
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book, texts_to

WRITTEN = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
DUE = date(2026, 12, 10)


def at(day: int, hour_utc: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour_utc, 0, tzinfo=UTC)


@pytest.fixture
def plan(app, tenant, clock):
    """A written bond whose $500 premium is $100 down (paid) and three installments from
    December 10, with the cosigner's card saved for autopay; returns the test's ids."""
    clock.set(WRITTEN)
    book = make_book(app, tenant)
    account = support.connect(app, tenant)
    schedule = plans.schedule(Decimal("500.00"), Decimal("100.00"), 3, "monthly", DUE)
    ids = support.add_plan(app, tenant, book.bond_id, "100.00", [(d, str(a)) for d, a in schedule])
    support.pay_cash(app, tenant, book.bond_id, "100.00")
    payer = {"kind": "cosigner", "id": book.cosigner_id}
    enrollment_id = support.enroll(
        app, tenant, book.bond_id, payer, account, "pm_card_chargeDeclined"
    )
    return {
        "bond": book.bond_id,
        "account": account,
        "instalments": ids,
        "amounts": [a for _, a in schedule],
        "enrollment": enrollment_id,
    }


def run(app, agency) -> dict:
    with inside(app, agency):
        return autopay_charges.run()


def test_the_three_installments_split_the_remainder_exactly_with_the_cents_on_the_last():
    schedule = plans.schedule(Decimal("500.00"), Decimal("100.00"), 3, "monthly", DUE)
    assert [a for _, a in schedule] == [Decimal("133.33"), Decimal("133.33"), Decimal("133.34")]
    assert sum(a for _, a in schedule) == Decimal("400.00")


def test_the_saved_card_turns_autopay_on_with_what_stripe_says_about_it(app, tenant, plan):
    row = support.enrollment_row(app, tenant, plan["enrollment"])
    assert row.active_since is not None
    assert (row.card_brand, row.card_last4, row.card_exp_month) == ("visa", "4242", 12)
    assert row.stripe_payment_method_id.startswith("pm_")


def test_a_declined_card_is_retried_after_1_3_and_7_days_then_fails(app, tenant, clock, plan):
    first = plan["instalments"][0]
    clock.set(at(10, 1))  # December 9, 8 pm in New York: the 10th has not begun there
    assert run(app, tenant) == {}
    clock.set(at(11, 1))  # December 10, 8 pm in New York (already the 11th in UTC)
    assert run(app, tenant) == {"retrying": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert (row.instalment_id, row.status, row.attempts) == (first, "retrying", 1)
    assert row.next_attempt_on == date(2026, 12, 11) and row.amount_cents == 13333
    assert "declined" in row.last_error
    [text] = texts_to(app, tenant, COSIGNER_PHONE)[-1:]
    assert "$133.33" in text.body and "December 11, 2026" in text.body
    assert "/pay/" in text.body and text.purpose == "pay_link"

    for day, expected, next_on in (
        (11, "retrying", date(2026, 12, 13)),
        (13, "retrying", date(2026, 12, 17)),
        (17, "failed", None),
    ):
        clock.set(at(day - 1, 23))  # the evening before, in New York: not yet
        assert run(app, tenant) == {}
        clock.set(at(day, 15))
        assert run(app, tenant) == {expected: 1}
        [row] = support.rows(app, tenant, plan["bond"])
        assert (row.status, row.next_attempt_on) == (expected, next_on)
    assert row.attempts == 4
    clock.set(at(20, 15))
    assert run(app, tenant) == {}
    [intent] = support.intents_for(app, plan["account"], first)
    assert intent["status"] == "requires_payment_method"
    assert len(support.confirmations(app, intent["id"])) == 4
    assert "will not try this installment again" in texts_to(app, tenant, COSIGNER_PHONE)[-1].body
    assert support.online_entries(app, tenant, plan["bond"]) == []


def test_a_retry_that_succeeds_enters_the_ledger_once_from_the_webhook(app, tenant, clock, plan):
    clock.set(at(11, 1))
    run(app, tenant)
    support.take(app)  # the failure's event: nothing to enter
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 15))
    assert run(app, tenant) == {"submitted": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "processing" and support.online_entries(app, tenant, plan["bond"]) == []
    events = support.take(app)
    assert set(support.deliver(app, events + events)) == {200}
    [entry] = support.online_entries(app, tenant, plan["bond"])
    assert entry.amount == Decimal("133.33") and entry.external_id == row.payment_intent_id
    [row] = support.rows(app, tenant, plan["bond"])
    assert (row.status, row.payment_id) == ("succeeded", entry.id)
    clock.set(at(13, 15))
    assert run(app, tenant) == {}


def test_paid_meanwhile_cancels_the_payment_intent_instead_of_charging(app, tenant, clock, plan):
    clock.set(at(11, 1))
    run(app, tenant)
    support.pay_cash(app, tenant, plan["bond"], "133.33")
    clock.set(at(11, 15))
    assert run(app, tenant) == {"paid": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "cancelled"
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert intent["status"] == "canceled"
    assert len(support.confirmations(app, intent["id"])) == 1


def test_a_partly_paid_installment_is_charged_only_what_is_left(app, tenant, clock, plan):
    clock.set(at(11, 1))
    run(app, tenant)
    support.pay_cash(app, tenant, plan["bond"], "33.33")
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 15))
    run(app, tenant)
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 10000)


def test_two_workers_on_the_same_attempt_charge_once(app, tenant, clock, plan):
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 1))
    first = plan["instalments"][0]
    start, outcomes = threading.Barrier(2), []

    def worker() -> None:
        with app.app_context(), bound(tenant.info, db.session):
            start.wait()
            try:
                outcomes.append(autopay_charges.attempt(first, plan["account"]))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not_due", "submitted"]
    [intent] = support.intents_for(app, plan["account"], first)
    assert len(support.confirmations(app, intent["id"])) == 1
    support.deliver_pending(app)
    assert len(support.online_entries(app, tenant, plan["bond"])) == 1


def test_a_webhook_before_the_job_finishes_is_entered_once(app, tenant, clock, plan, monkeypatch):
    """The succeeded event is delivered while the job is still inside its confirm call."""
    fake = support.fake(app)
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    confirm = type(fake)._confirm

    def confirm_and_deliver(self, intent, off_session):
        answer = confirm(self, intent, off_session)
        statuses = []
        thread = threading.Thread(target=lambda: statuses.extend(support.deliver_pending(app)))
        thread.start()
        thread.join()
        assert statuses and set(statuses) == {200}
        return answer

    monkeypatch.setattr(type(fake), "_confirm", confirm_and_deliver)
    clock.set(at(11, 1))
    assert run(app, tenant) == {"submitted": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "succeeded"
    assert len(support.online_entries(app, tenant, plan["bond"])) == 1
    clock.set(at(11, 2))
    assert run(app, tenant) == {}


def test_a_forgotten_idempotency_key_still_finds_the_stored_payment_intent(
    app, tenant, clock, plan
):
    first = plan["instalments"][0]
    clock.set(at(11, 1))
    run(app, tenant)
    assert support.forget_idempotency_keys(app) > 0
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 15))
    assert run(app, tenant) == {"submitted": 1}
    [intent] = support.intents_for(app, plan["account"], first)
    assert intent["status"] == "succeeded"
    support.deliver_pending(app)
    assert len(support.online_entries(app, tenant, plan["bond"])) == 1


def test_an_interrupted_attempt_resumes_with_the_same_confirmation_key(
    app, tenant, clock, plan, monkeypatch
):
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 1))

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(autopay_charges, "_still_unpaid", dies)
    with pytest.raises(RuntimeError):
        run(app, tenant)
    monkeypatch.undo()
    [row] = support.rows(app, tenant, plan["bond"])
    assert (row.status, row.attempts) == ("processing", 1) and row.payment_intent_id
    assert run(app, tenant) == {}  # a worker may still hold it
    clock.advance(minutes=16)
    assert run(app, tenant) == {"submitted": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.attempts == 1
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    keys = [r[2] for r in support.confirmations(app, intent["id"])]
    assert len(keys) == 1 and keys[0].endswith("-confirm-1")


def test_a_card_needing_its_holder_waits_for_the_payer(app, tenant, clock, plan):
    support.set_card(
        app, tenant, plan["enrollment"], plan["account"], "pm_card_authenticationRequired"
    )
    clock.set(at(11, 1))
    assert run(app, tenant) == {"requires_action": 1}
    assert "approval" in texts_to(app, tenant, COSIGNER_PHONE)[-1].body


def test_autopay_waits_while_another_payment_of_the_bond_is_in_flight(app, tenant, clock, plan):
    with inside(app, tenant):
        db.session.add(
            OnlinePayment(
                bond_id=plan["bond"],
                source="portal",
                status="open",
                amount_cents=5000,
                stripe_account_id=plan["account"],
            )
        )
        db.session.commit()
    clock.set(at(11, 1))
    assert run(app, tenant) == {"busy": 1}
    assert [r.source for r in support.rows(app, tenant, plan["bond"])] == ["portal"]
    with inside(app, tenant):
        assert autopay_charges.next_due(clock.now) == at(11, 1) + autopay_charges.SOON


def test_the_job_runs_outside_quiet_hours_and_daily_when_they_end(app, tenant, clock, plan):
    clock.set(at(11, 3))  # 10 pm in New York: quiet
    assert run(app, tenant) == {}
    with inside(app, tenant):
        assert autopay_charges.next_due(clock.now) == at(11, 13)  # 8 am in New York
    clock.set(at(11, 14))
    with inside(app, tenant):
        assert autopay_charges.next_due(clock.now) == at(12, 13)


def test_turning_autopay_off_cancels_the_charge_not_made_and_stops_the_job(
    app, tenant, clock, plan
):
    clock.set(at(11, 1))
    run(app, tenant)
    with inside(app, tenant):
        row = db.session.get(AutopayEnrollment, plan["enrollment"])
        enrollment.turn_off(row, "Staff: owner@example.com")
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "cancelled"
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert intent["status"] == "canceled"
    clock.set(at(11, 15))
    assert run(app, tenant) == {}


def test_one_agencys_job_never_reads_anothers_enrollments(app, tenant, other_tenant, clock, plan):
    other = make_book(app, other_tenant)
    account = support.connect(app, other_tenant)
    support.add_plan(app, other_tenant, other.bond_id, "0.00", [(DUE, "200.00")])
    payer = {"kind": "cosigner", "id": other.cosigner_id}
    support.enroll(app, other_tenant, other.bond_id, payer, account)
    support.deliver_pending(app)
    clock.set(at(11, 1))
    assert run(app, tenant) == {"retrying": 1}
    assert support.rows(app, other_tenant, other.bond_id) == []
    assert run(app, other_tenant) == {"submitted": 1}
    assert len(support.rows(app, tenant, plan["bond"])) == 1


def test_autopay_turned_off_without_its_charges_retries_nothing_and_lists_nothing(
    app, tenant, clock, plan
):
    """A disconnected account turns every enrollment off in one statement (merchant.stopping),
    leaving the charges as they were: the retry must not run, nor show as waiting."""
    clock.set(at(11, 1))
    run(app, tenant)
    with inside(app, tenant):
        assert [b.id for b, _ in autopay_queries.troubled_bonds()] == [plan["bond"]]
        db.session.get(AutopayEnrollment, plan["enrollment"]).turned_off_at = clock.now
        db.session.commit()
        assert autopay_queries.troubled_bonds() == []
        assert autopay_days.due(date(2026, 12, 11), at(11, 15)) == []
    clock.set(at(11, 15))
    assert run(app, tenant) == {}


def test_stripe_down_mid_attempt_is_resumed_later_without_a_second_charge(
    app, tenant, clock, plan, monkeypatch
):
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    fake_class = type(support.fake(app))

    def down(self, params, id):
        raise StripeFault(500, "Stripe is having a bad day.", "api_error")

    monkeypatch.setattr(fake_class, "_confirm_payment_intent", down)
    clock.set(at(11, 1))
    assert run(app, tenant) == {"error": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert (row.status, row.attempts) == ("processing", 1)
    monkeypatch.undo()
    clock.advance(minutes=16)
    assert run(app, tenant) == {"submitted": 1}
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert intent["status"] == "succeeded"
    support.deliver_pending(app)
    assert len(support.online_entries(app, tenant, plan["bond"])) == 1


def test_a_card_saved_wakes_the_job_for_the_agency(app, tenant, clock):
    clock.set(WRITTEN)
    book = make_book(app, tenant)
    account = support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "0.00", [(DUE, "400.00")])
    later = datetime(2027, 1, 1, tzinfo=UTC)

    def due_at():
        with app.app_context():
            wakeup = db.session.get(TenantWakeup, (tenant.info.id, "autopay"))
            found = wakeup.due_at
            db.session.rollback()
            return found

    with app.app_context():
        db.session.get(TenantWakeup, (tenant.info.id, "autopay")).due_at = later
        db.session.commit()
    support.enroll(app, tenant, book.bond_id, {"kind": "cosigner", "id": book.cosigner_id}, account)
    assert due_at() == WRITTEN


def test_disconnecting_stripe_cancels_autopay_charges_not_made_yet(app, tenant, clock, plan):
    """Security review finding 9: the disconnect turns autopay off AND cancels its PaymentIntents
    waiting for a retry, as turning autopay off by hand does."""
    clock.set(at(11, 1))
    run(app, tenant)  # declined: the row waits for its retry with an unconfirmed PaymentIntent
    with inside(app, tenant):
        disconnecting.disconnect("owner@example.com", "DISCONNECT")
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "cancelled" and row.next_attempt_on is None
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert intent["status"] == "canceled"


def test_a_rest_under_fifty_cents_cancels_the_charge_and_frees_the_bond(app, tenant, clock, plan):
    """Security review finding 4: $0.33 left of a declined installment cannot be charged (Stripe's
    $0.50 minimum); the PaymentIntent is cancelled and the row closed instead of staying
    `processing` and blocking every online payment on the bond; the bond page says why."""
    clock.set(at(11, 1))
    run(app, tenant)  # declined: retrying with its PaymentIntent
    support.pay_cash(app, tenant, plan["bond"], "133.00")
    clock.set(at(11, 15))
    assert run(app, tenant) == {"too_small": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "cancelled" and row.last_error == autopay_charges.TOO_SMALL
    [intent] = support.intents_for(app, plan["account"], plan["instalments"][0])
    assert intent["status"] == "canceled"
    clock.set(at(12, 15))
    assert run(app, tenant) == {}


def test_a_permanent_stripe_refusal_moves_the_row_out_of_processing(
    app, tenant, clock, plan, monkeypatch
):
    """Security review finding 4: a refusal that no retry mends (the card was deleted) is not left
    `processing` for ever; the row waits for its next retry day with Stripe's words."""
    fake_class = type(support.fake(app))

    def gone(self, params, id):
        raise StripeFault(
            400, "No such PaymentMethod: 'pm_x'", param="payment_method", code="resource_missing"
        )

    monkeypatch.setattr(fake_class, "_confirm_payment_intent", gone)
    clock.set(at(10, 15))
    assert run(app, tenant) == {"retrying": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "retrying" and "No such PaymentMethod" in row.last_error
    assert row.next_attempt_on == date(2026, 12, 11)


def test_an_attempt_interrupted_again_and_again_is_given_up(app, tenant, clock, plan, monkeypatch):
    """Security review finding 4: a stale row is taken again at most MAX_RESUMES times."""
    clock.set(at(10, 15))

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(autopay_charges, "_still_unpaid", dies)
    for _ in range(autopay_charges.MAX_RESUMES + 1):
        with pytest.raises(RuntimeError):
            run(app, tenant)
        clock.advance(minutes=16)
    assert run(app, tenant) == {"gave_up": 1}
    [row] = support.rows(app, tenant, plan["bond"])
    assert row.status == "retrying" and "interrupted" in row.last_error


def _failed_link(app, agency) -> str:
    """The path of the pay link texted after the last declined charge."""
    body = texts_to(app, agency, COSIGNER_PHONE)[-1].body
    return re.search(r"https?://[^/\s]+(/pay/\S+)", body).group(1)


def test_the_pay_link_of_a_declined_charge_stops_once_the_retry_pays_it(
    app, tenant, clock, plan, visit
):
    """Security review finding 1: the link texted after a decline is for its installment; once
    autopay's retry (or any payment) covers it, the link is revoked and says it is paid."""
    clock.set(at(10, 15))
    run(app, tenant)  # declined: the payer is texted a pay link
    path = _failed_link(app, tenant)
    with inside(app, tenant):
        [link] = db.session.scalars(db.select(PayLink)).all()
        assert (link.reason, link.instalment_id) == ("autopay_failed", plan["instalments"][0])
        link_id = link.id
    payer = visit(tenant)
    assert "$133.33" in payer.get(path).get_data(as_text=True)
    support.take(app)
    support.set_card(app, tenant, plan["enrollment"], plan["account"], "pm_card_visa")
    clock.set(at(11, 15))
    assert run(app, tenant) == {"submitted": 1}
    support.deliver_pending(app)
    assert len(support.online_entries(app, tenant, plan["bond"])) == 1
    with inside(app, tenant):
        assert db.session.get(PayLink, link_id).revoked_at is not None
    for response in (payer.get(path), payer.post(path)):
        assert response.status_code == 410
        assert "already paid" in response.get_data(as_text=True)


def test_the_pay_link_of_a_declined_charge_asks_only_what_is_left_of_its_installment(
    app, tenant, clock, plan, visit
):
    """Security review finding 1: priced when opened; a cash payment covering it ends it."""
    clock.set(at(10, 15))
    run(app, tenant)
    path = _failed_link(app, tenant)
    support.pay_cash(app, tenant, plan["bond"], "100.00")
    payer = visit(tenant)
    page = payer.get(path).get_data(as_text=True)
    assert "$33.33" in page and "$133.33" not in page
    support.pay_cash(app, tenant, plan["bond"], "33.33")
    response = payer.get(path)
    assert response.status_code == 410 and "already paid" in response.get_data(as_text=True)
