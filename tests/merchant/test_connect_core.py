"""The Connect endpoint: signed, routed to the agency by `account`, processed once in its schema;
and the fake keeps each connected account's objects to itself."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bbp.billing import fake_delivery, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.stripe_api import FAKE_WEBHOOK_SECRET
from bbp.extensions import db
from bbp.merchant import events
from bbp.merchant.models import ConnectEvent
from bbp.tenancy import require_tenant
from tests.merchant.support import connected, emit, fake, post_connect, post_raw


@pytest.fixture
def seen(monkeypatch):
    """A handler for a test event type that notes which agency's schema it ran in."""
    agencies: list[str] = []

    def handler(event, account):
        agencies.append((require_tenant().slug, account, event.data.object.id))

    monkeypatch.setitem(events.HANDLERS, "bbp_test.thing", handler)
    return agencies


def _thing(name: str = "thing_1") -> dict:
    return {"id": name, "object": "thing"}


def _recorded(app, event_id: str) -> str | None:
    """The account a processed event was recorded for, or None."""
    with app.app_context():
        account = db.session.scalar(select(ConnectEvent.account).where(ConnectEvent.id == event_id))
        db.session.rollback()
        return account


def test_an_event_runs_once_in_its_agencys_schema(app, tenant, other_tenant, seen):
    mine, theirs = connected(app, tenant), connected(app, other_tenant)
    first = emit(app, mine, "bbp_test.thing", _thing("a"))
    second = emit(app, theirs, "bbp_test.thing", _thing("b"))
    assert fake_delivery.deliver([first, second, first], app) == [200, 200, 200]
    assert seen == [(tenant.slug, mine, "a"), (other_tenant.slug, theirs, "b")]
    assert _recorded(app, first) == mine


def test_a_connect_event_goes_to_the_connect_endpoint_only(app, tenant, seen):
    account = connected(app, tenant)
    event_id = emit(app, account, "bbp_test.thing", _thing())
    body = json.dumps(fake(app).get("events", event_id))
    assert fake_delivery.endpoint_of(body)[0] == "/stripe/connect/webhooks"
    # The platform endpoint's secret does not sign for the Connect endpoint.
    assert post_connect(app, body, secret=FAKE_WEBHOOK_SECRET).status_code == 400
    assert post_connect(app, body, host=tenant.slug).status_code == 404
    assert seen == [] and _recorded(app, event_id) is None
    assert post_connect(app, body).status_code == 200 and len(seen) == 1


@pytest.mark.parametrize("how", ["unknown_account", "no_account", "live", "tampered", "stale"])
def test_a_bad_connect_delivery_is_a_400_and_changes_nothing(app, clock, tenant, seen, how):
    account = connected(app, tenant)
    event_id = emit(app, account, "bbp_test.thing", _thing())
    event = fake(app).get("events", event_id)
    at = None
    if how == "unknown_account":
        event["account"] = "acct_nobodys"
    elif how == "no_account":
        del event["account"]
    elif how == "live":
        event["livemode"] = True
    elif how == "stale":
        at = int(clock.now.timestamp()) - 301
    body = json.dumps(event)
    if how == "tampered":  # signed for one body, sent with another
        secret = stripe_api.FAKE_CONNECT_WEBHOOK_SECRET
        header = fake_delivery.signature(body, secret, int(clock.now.timestamp()))
        response = post_raw(app, body.replace("thing_1", "thing_2"), header)
    else:
        response = post_connect(app, body, at=at)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert seen == [] and _recorded(app, event_id) is None


def test_a_failed_handler_rolls_back_so_the_retry_processes_it(app, tenant, monkeypatch):
    account = connected(app, tenant)
    event_id = emit(app, account, "bbp_test.thing", _thing())

    def broken(event, account):
        raise RuntimeError("the database went away mid-event")

    monkeypatch.setitem(events.HANDLERS, "bbp_test.thing", broken)
    with pytest.raises(RuntimeError):
        fake_delivery.deliver([event_id], app)
    assert _recorded(app, event_id) is None
    monkeypatch.setitem(events.HANDLERS, "bbp_test.thing", lambda event, account: None)
    assert fake_delivery.deliver([event_id], app) == [200]
    assert _recorded(app, event_id) is not None


def test_each_connected_account_sees_only_its_own_objects(app, tenant, other_tenant):
    mine, theirs = connected(app, tenant), connected(app, other_tenant)
    with app.app_context():
        client = stripe_api.client()
        customer = client.v1.customers.create(
            {"email": "payer@example.com"}, options={"stripe_account": mine}
        )
        found = client.v1.customers.retrieve(customer.id, options={"stripe_account": mine})
        assert found.id == customer.id
        for other in ({"stripe_account": theirs}, {}):
            with pytest.raises(Exception) as refused:
                client.v1.customers.retrieve(customer.id, options=other)
            assert getattr(refused.value, "http_status", None) == 404
    stub = fake(app)
    with stub.acting_as(theirs), pytest.raises(StripeFault):
        stub.get("customers", customer.id)


def test_the_same_idempotency_key_on_two_accounts_is_two_requests(app, tenant, other_tenant):
    mine, theirs = connected(app, tenant), connected(app, other_tenant)
    with app.app_context():
        client = stripe_api.client()
        made = [
            client.v1.customers.create(
                {"email": "payer@example.com"},
                options={"stripe_account": account, "idempotency_key": "same-key"},
            ).id
            for account in (mine, theirs, mine)
        ]
    assert made[0] == made[2] != made[1]
