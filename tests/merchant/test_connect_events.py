"""Connect webhooks about agencies' accounts: signed, for the key's mode, routed by the event's
account to its own agency, processed once and in any order by reading the account from Stripe."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bbp.audit.models import AuditEntry
from bbp.billing import stripe_api
from bbp.billing.fake_delivery import deliver
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import FAKE_WEBHOOK_SECRET
from bbp.extensions import db
from bbp.tenancy.context import bound
from tests.merchant.support import (
    connect,
    event_body,
    fake,
    map_rows,
    merchant_row,
    onboarding_path,
    post_event,
    recorded,
)


@pytest.fixture
def connected(app, owner, tenant) -> str:
    """The tenant's account, connected and not yet onboarded; returns its id."""
    connect(owner)
    return merchant_row(app, tenant).stripe_account_id


@pytest.fixture
def other_connected(app, visit, other_tenant) -> str:
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    connect(other)
    return merchant_row(app, other_tenant).stripe_account_id


def _updates_audited(app, agency) -> int:
    with app.app_context(), bound(agency.info, db.session):
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "merchant.account_updated")
        )


def test_account_updated_reads_the_account_and_is_processed_exactly_once(app, tenant, connected):
    fake(app).submit_details(connected)
    body = event_body(app, connected)
    assert post_event(app, body).get_json() == {"received": "processed"}
    assert post_event(app, body).get_json() == {"received": "duplicate"}
    row = merchant_row(app, tenant)
    assert row.charges_enabled and row.payouts_enabled and row.currently_due == []
    assert _updates_audited(app, tenant) == 1


def test_events_out_of_order_leave_the_account_as_stripe_has_it(app, tenant, connected):
    fake(app).leave_due(connected)
    older = event_body(app, connected)
    fake(app).submit_details(connected)
    newer = event_body(app, connected)
    assert post_event(app, newer).status_code == 200
    assert post_event(app, older).status_code == 200  # its snapshot says payouts are off
    row = merchant_row(app, tenant)
    assert row.payouts_enabled and row.currently_due == []


def test_the_snapshot_is_never_trusted(app, tenant, connected):
    body = json.loads(event_body(app, connected))
    body["data"]["object"].update(charges_enabled=True, payouts_enabled=True)
    assert post_event(app, json.dumps(body)).status_code == 200
    assert not merchant_row(app, tenant).charges_enabled  # Stripe says it is not


def test_an_event_for_agency_a_never_touches_agency_b(
    app, tenant, other_tenant, connected, other_connected
):
    before = merchant_row(app, other_tenant)
    fake(app).submit_details(other_connected)  # B's account changed at Stripe, unannounced
    body = json.loads(event_body(app, connected))
    body["data"]["object"]["id"] = other_connected  # a snapshot naming B's account
    assert post_event(app, json.dumps(body)).status_code == 200
    after = merchant_row(app, other_tenant)
    assert (after.synced_at, after.charges_enabled) == (before.synced_at, False)
    assert _updates_audited(app, other_tenant) == 0


def test_an_unknown_account_is_a_400(app, connected):
    body = json.loads(event_body(app, connected))
    body["account"] = "acct_nobodyknowsthis"
    response = post_event(app, json.dumps(body))
    assert response.status_code == 400 and "No agency" in response.get_json()["error"]
    assert not recorded(app, body["id"])


@pytest.mark.parametrize("how", ["wrong_secret", "missing", "platform_secret"])
def test_a_bad_signature_is_a_400_and_changes_nothing(app, tenant, connected, how):
    fake(app).submit_details(connected)
    body = event_body(app, connected)
    if how == "wrong_secret":
        response = post_event(app, body, secret="whsec_someone_else")
    elif how == "missing":
        response = post_event(app, body, header="")
    else:  # signed with the platform endpoint's secret, not the Connect endpoint's
        response = post_event(app, body, secret=FAKE_WEBHOOK_SECRET)
    assert response.status_code == 400
    assert not merchant_row(app, tenant).charges_enabled
    assert not recorded(app, json.loads(body)["id"])


def test_a_live_mode_event_is_a_400_for_a_test_key(app, tenant, connected):
    fake(app).submit_details(connected)
    body = event_body(app, connected, livemode=True)
    response = post_event(app, body)
    assert response.status_code == 400 and "live-mode" in response.get_json()["error"]
    assert not merchant_row(app, tenant).charges_enabled


def test_deauthorization_stops_online_payments(app, owner, tenant, connected):
    fake(app).submit_details(connected)
    owner.get("/settings/payments/return")
    fake(app).deauthorize(connected)
    application = {"id": "ca_bbp_fake_platform", "object": "application", "name": "BBP"}
    body = json.loads(event_body(app, connected, type="account.application.deauthorized"))
    body["data"] = {"object": application}
    assert post_event(app, json.dumps(body)).status_code == 200
    assert merchant_row(app, tenant).disconnected_at is not None
    [mapped] = map_rows(app, tenant)
    assert mapped.released_at is not None
    assert "Connect with Stripe" in owner.get("/settings/payments").get_data(as_text=True)


def test_an_update_for_an_account_the_platform_lost_releases_it(app, tenant, connected):
    body = event_body(app, connected)  # sent before the agency disconnected, arriving after
    fake(app).deauthorize(connected)
    assert post_event(app, body).status_code == 200
    assert merchant_row(app, tenant).disconnected_at is not None


def test_a_released_accounts_events_still_reach_its_agency(app, owner, tenant, connected):
    owner.get("/settings/payments/disconnect")
    owner.post("/settings/payments/disconnect", {"confirm": "DISCONNECT"})
    response = post_event(app, event_body(app, connected))
    assert response.status_code == 200  # routed (late refunds and disputes must arrive)
    assert merchant_row(app, tenant).disconnected_at is not None


def test_the_fake_onboarding_tells_the_connect_endpoint(app, owner, tenant, connected):
    fake(app).take_pending()
    path, token = onboarding_path(owner.post("/settings/payments/continue").location)
    owner.get(f"{path}?link={token}")
    owner.post(path, {"outcome": "submit", "link": token})  # not following the return url
    ids = fake(app).take_pending()
    held = [fake(app).get("events", i) for i in ids]
    assert [(e["type"], e["account"]) for e in held] == [("account.updated", connected)]
    assert deliver(ids, app) == [200]
    assert merchant_row(app, tenant).charges_enabled


def test_a_deauthorization_from_the_fake_is_delivered_and_stops_payments(app, tenant, connected):
    fake(app).take_pending()
    fake(app).deauthorize(connected)
    assert deliver(fake(app).take_pending(), app) == [200]
    assert merchant_row(app, tenant).disconnected_at is not None


def test_another_account_cannot_read_an_account(app, connected, other_connected):
    with app.app_context():
        accounts = stripe_api.client().v1.accounts
        mine = accounts.retrieve(connected, options={"stripe_account": connected})
        assert mine.id == connected
        with pytest.raises(stripe.InvalidRequestError):
            accounts.retrieve(connected, options={"stripe_account": other_connected})
