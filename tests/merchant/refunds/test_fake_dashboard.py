"""The Stripe Dashboard links: under the fake Stripe they lead to development's stand-in page,
which says what the real Dashboard would show; with a real key they are Stripe's own. And a
dispute's reason reads in words."""

from __future__ import annotations

import pytest

from bbp.billing import fake_delivery
from bbp.merchant import disputes
from tests.merchant.refunds.support import signed_in
from tests.merchant.support import fake
from tests.support import unmarked

STRIPE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)


def _opened(app, paid) -> str:
    stub = fake(app)
    with stub.acting_as(paid.account):
        dispute = stub.open_dispute(paid.charge, "product_not_received")
    fake_delivery.deliver(stub.take_pending(), app)
    return dispute["id"]


@pytest.mark.parametrize("code", STRIPE_REASONS)
def test_every_stripe_reason_reads_in_words_with_its_code(code):
    words = disputes.reason_words(code)
    assert words.endswith(f" ({code})") and words[0].isupper() and "_" not in words.split(" (")[0]


def test_an_unknown_reason_reads_as_stripe_names_it():
    assert disputes.reason_words("noticed_later") == "noticed later"
    assert disputes.reason_words("") == ""


def test_a_disputes_respond_link_opens_the_stand_in(app, tenant, paid, manager):
    paid, bond_id = paid
    dispute_id = _opened(app, paid)
    listing = manager.get("/disputes/").get_data(as_text=True)
    assert f'href="/dev/stripe/dashboard/disputes/{dispute_id}"' in listing
    page = manager.get(f"/dev/stripe/dashboard/disputes/{dispute_id}")
    text = unmarked(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "exists only on this machine" in text and "Dispute $100.00" in text
    assert "The cardholder says they did not get what they paid for (product_not_received)" in text
    assert "Counter the dispute" in text and "Accept the dispute" in text
    assert f'href="/bonds/{bond_id}"' in text


def test_the_stand_in_shows_only_the_agencys_own_disputes(
    app, visit, tenant, other_tenant, paid, manager
):
    paid, _ = paid
    dispute_id = _opened(app, paid)
    theirs = signed_in(app, visit, other_tenant, "owner")
    assert theirs.get(f"/dev/stripe/dashboard/disputes/{dispute_id}").status_code == 404
    assert manager.get("/dev/stripe/dashboard/disputes/dp_nothing").status_code == 404


def test_agents_cannot_open_the_stand_in(app, visit, tenant, paid):
    paid, _ = paid
    dispute_id = _opened(app, paid)
    agent = signed_in(app, visit, tenant, "agent")
    assert agent.get(f"/dev/stripe/dashboard/disputes/{dispute_id}").status_code == 403
    assert agent.get("/dev/stripe/dashboard").status_code == 403


def test_settings_open_stripe_dashboard_leads_to_the_stand_in(app, visit, tenant, paid, owner):
    page = owner.get("/settings/payments").get_data(as_text=True)
    assert 'href="/dev/stripe/dashboard"' in page and "dashboard.stripe.com" not in page
    stand_in = owner.get("/dev/stripe/dashboard")
    text = stand_in.get_data(as_text=True)
    assert stand_in.status_code == 200 and "exists only on this machine" in text
    assert "payouts to the bank" in text
    manager = signed_in(app, visit, tenant, "manager")
    assert manager.get("/dev/stripe/dashboard").status_code == 403  # settings are the owner's


def test_with_a_real_key_the_links_are_stripes_own(app, tenant, paid, manager, owner, monkeypatch):
    paid, bond_id = paid
    dispute_id = _opened(app, paid)
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_real")
    page = manager.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert f"https://dashboard.stripe.com/test/disputes/{dispute_id}" in page
    assert "/dev/stripe/dashboard" not in page
    listing = manager.get("/disputes/").get_data(as_text=True)
    assert f"https://dashboard.stripe.com/test/disputes/{dispute_id}" in listing
    assert manager.get(f"/dev/stripe/dashboard/disputes/{dispute_id}").status_code == 404
    assert owner.get("/dev/stripe/dashboard").status_code == 404


def test_in_production_the_stand_in_does_not_exist(app, tenant, paid, owner, monkeypatch):
    paid, _ = paid
    dispute_id = _opened(app, paid)
    monkeypatch.setitem(app.config, "BBP_ENV", "production")
    assert owner.get(f"/dev/stripe/dashboard/disputes/{dispute_id}").status_code == 404
    assert owner.get("/dev/stripe/dashboard").status_code == 404
