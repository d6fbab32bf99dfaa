"""Settings → Payments: connecting the agency's Stripe account through the real SDK and the
fake, Stripe's onboarding and its return, and what the page shows of the account."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.billing import sdk
from bbp.extensions import db
from bbp.tenancy.context import bound
from tests.billing.support import calls
from tests.merchant.support import (
    connect,
    fake,
    map_rows,
    merchant_row,
    onboard,
    onboarding_path,
)
from tests.platform.conftest import page_text
from tests.support import add_user


def test_connecting_creates_a_full_dashboard_account_and_opens_onboarding(app, owner, tenant):
    url = connect(owner)
    assert url.startswith(f"http://{tenant.slug}.localhost/dev/stripe/connect/onboarding/acct_")
    row = merchant_row(app, tenant)
    held = fake(app).get("accounts", row.stripe_account_id)
    assert held["country"] == "US"
    assert held["controller"]["stripe_dashboard"] == {"type": "full"}
    assert held["controller"]["fees"] == {"payer": "account"}
    assert held["controller"]["losses"] == {"payments": "stripe"}
    assert held["controller"]["requirement_collection"] == "stripe"
    assert held["metadata"]["bbp_tenant_id"] == str(tenant.info.id)
    [created] = calls(app, "POST", "/v1/accounts")
    assert created[2].endswith("-connect-account-1") and f"agency-{tenant.info.id}-" in created[2]
    [mapped] = map_rows(app, tenant)
    assert mapped.stripe_account_id == row.stripe_account_id and mapped.released_at is None
    assert not row.charges_enabled and "external_account" in row.currently_due
    with app.app_context(), bound(tenant.info, db.session):
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "merchant.connected" in actions


def test_before_onboarding_the_page_says_what_stripe_needs_in_plain_words(app, owner):
    connect(owner)
    page = page_text(owner.get("/settings/payments"))
    assert "Card payments Not yet" in page and "Payouts to the bank Not yet" in page
    assert "Add the bank account payouts go to" in page
    assert "Accept Stripe's services agreement" in page
    assert "Continue setup" in page and "Open Stripe Dashboard" not in page


def test_submitting_details_turns_payments_and_payouts_on(app, owner, tenant):
    page = page_text(onboard(owner, connect(owner), "submit"))
    assert "Card payments On" in page and "Payouts to the bank On" in page
    assert "Stripe needs nothing more for now." in page
    assert "Open Stripe Dashboard" in page and "Continue setup" not in page
    row = merchant_row(app, tenant)
    assert row.charges_enabled and row.payouts_enabled and row.currently_due == []


def test_leaving_something_due_shows_it_with_its_deadline(app, owner, tenant):
    page = page_text(onboard(owner, connect(owner), "leave_due"))
    assert "Card payments On" in page and "Payouts to the bank Not yet" in page
    assert "Add the bank account payouts go to" in page
    assert "Upload a photo ID for the person who represents the agency" in page
    assert "Give these by" in page and "Continue setup" in page
    assert merchant_row(app, tenant).current_deadline is not None


def test_the_return_from_onboarding_reads_stripe_and_trusts_no_redirect(app, owner, tenant):
    connect(owner)
    owner.get("/settings/payments/return")  # back without finishing: nothing turns on
    assert not merchant_row(app, tenant).charges_enabled
    fake(app).submit_details(merchant_row(app, tenant).stripe_account_id)  # Stripe's side
    owner.get("/settings/payments/return")
    assert merchant_row(app, tenant).charges_enabled


def test_a_used_link_leads_to_a_fresh_one(app, owner):
    url = connect(owner)
    path, token = onboarding_path(url)
    owner.post(path, {"outcome": "leave_due", "link": token})
    again = owner.get(f"{path}?link={token}")  # used: Stripe sends the owner to refresh_url
    assert again.status_code == 303 and again.location.endswith("/settings/payments/refresh")
    fresh = owner.get("/settings/payments/refresh")
    assert fresh.status_code == 303
    new_path, new_token = onboarding_path(fresh.location)
    assert new_path == path and new_token != token
    assert owner.get(f"{new_path}?link={new_token}").status_code == 200


def test_continue_setup_makes_a_new_link(app, owner):
    url = connect(owner)
    owner.get("/settings/payments")
    response = owner.post("/settings/payments/continue")
    assert response.status_code == 303
    assert onboarding_path(response.location)[1] != onboarding_path(url)[1]


def test_connecting_twice_keeps_one_account(app, owner, tenant):
    connect(owner)
    connect(owner)
    assert len(map_rows(app, tenant)) == 1
    assert len(calls(app, "POST", "/v1/accounts")) == 1


def test_a_bad_onboarding_choice_is_refused(app, owner):
    path, token = onboarding_path(connect(owner))
    response = owner.post(path, {"outcome": "approve_everything", "link": token})
    assert response.status_code == 400


def test_the_settings_page_links_to_payments_for_owners_only(app, owner, visit, tenant):
    assert "/settings/payments" in owner.get("/settings/").get_data(as_text=True)
    admin = visit(tenant)
    admin.login(add_user(app, tenant.info, "admin").email)
    assert "/settings/payments" not in admin.get("/settings/").get_data(as_text=True)


def test_two_presses_at_once_make_one_account(app, owner, tenant, visit):
    second = visit(tenant)
    second.login(tenant.owner_email)
    for visitor in (owner, second):
        visitor.get("/settings/payments")
    start, statuses = threading.Barrier(2), []

    def press(visitor) -> None:
        start.wait()
        statuses.append(visitor.post("/settings/payments/connect").status_code)

    threads = [threading.Thread(target=press, args=(v,)) for v in (owner, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303]
    assert len(map_rows(app, tenant)) == 1
    assert len(calls(app, "POST", "/v1/accounts")) == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            (400, "invalid_request_error", "Your platform cannot create accounts yet."),
            "did not accept",
        ),
        ((None, None, None), "could not be reached"),
    ],
)
def test_a_refused_or_unreachable_stripe_writes_nothing(
    app, owner, tenant, monkeypatch, answer, message
):
    stripe = fake(app)
    passed_on = stripe.request
    status, kind, text = answer

    def request(method, url, headers, post_data=None, **kwargs):
        if method == "post" and url.endswith("/v1/accounts"):
            if status is None:
                raise sdk.stripe.APIConnectionError("no route to Stripe")  # as the SDK's clients do
            body = {"error": {"type": kind, "message": text}}
            return json.dumps(body), status, {}
        return passed_on(method, url, headers, post_data, **kwargs)

    monkeypatch.setattr(stripe, "request", request)
    owner.get("/settings/payments")
    response = owner.post("/settings/payments/connect")
    assert response.status_code == 303 and response.location.endswith("/settings/payments")
    assert message in page_text(owner.get("/settings/payments"))
    assert map_rows(app, tenant) == [] and merchant_row(app, tenant) is None
