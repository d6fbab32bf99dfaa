"""Texts as data: queue and send through a worker, Twilio through its SDK, webhooks, STOP."""

from __future__ import annotations

import json
import json as _json
import logging
import time

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.mail import outbox_key
from bbp.messaging import services
from bbp.messaging.models import Message, OptOut
from bbp.messaging.providers import FakeProvider, agency_credentials
from bbp.messaging.twilio_sms import TwilioProvider
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond

TOKEN = "test-auth-token"


class FakeTwilioHttp(HttpClient):
    """Twilio's HTTP layer replaced: the SDK builds real requests, we answer them."""

    def __init__(self, status=201, body=None):
        super().__init__(logger=logging.getLogger("twilio.fake"), is_async=False)
        self.requests, self.status = [], status
        self.body = body or {"sid": "SM" + "a" * 32, "status": "queued", "num_segments": "1"}

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **kwargs):
        self.requests.append({"method": method, "url": url, "data": data})
        return Response(self.status, json.dumps(self.body))


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _messages(app, agency):
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


def _signed(app, visitor, path, form):
    url = f"{visitor.base_url}{path}"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    return visitor.client.post(
        path, base_url=visitor.base_url, data=form, headers={"X-Twilio-Signature": signature}
    )


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)


def test_a_text_from_the_bond_page_is_sent_by_a_worker(app, redis, owner, tenant):
    bond_id = make_bond(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.get(Bond, bond_id).defendant.phone = "3055550142"
        db.session.commit()
    response = owner.post(
        f"/messages/bonds/{bond_id}/send",
        {"recipient": "defendant", "body": "Court Thursday 9:30 AM"},
    )
    assert response.status_code == 302
    assert _messages(app, tenant)[0].status == "queued"
    _work(app, redis)
    message = _messages(app, tenant)[0]
    assert (message.status, message.phone, message.attempts) == ("sent", "+13055550142", 1)
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Court Thursday 9:30 AM" in page
    assert "Court Thursday 9:30 AM" in owner.get("/dev/outbox").get_data(as_text=True)


def test_empty_text_and_unknown_recipient_are_refused(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    refused = owner.post(f"/messages/bonds/{bond_id}/send", {"recipient": "x", "body": "Hi"})
    assert "Choose who gets the text." in owner.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert _messages(app, tenant) == []


def test_the_same_dedupe_key_is_queued_once(app, redis, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        first = services.queue("3055550142", "Court tomorrow", "reminder", dedupe_key="cd-1-1d")
        second = services.queue("3055550142", "Court tomorrow", "reminder", dedupe_key="cd-1-1d")
    assert first is not None and second is None
    _work(app, redis)
    _work(app, redis)
    assert [m.status for m in _messages(app, tenant)] == ["sent"]


def test_a_job_run_twice_sends_once(app, redis, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        message = services.queue("3055550142", "Hello", "one_off")
        assert services.deliver(message.id) == "sent"
        assert services.deliver(message.id) == "not queued"


def test_twilio_sdk_sends_with_the_configured_sender():
    http = FakeTwilioHttp()
    sent = TwilioProvider("AC" + "1" * 32, "tok", "+13055550000", http_client=http).send(
        "+13055550142", "Hello"
    )
    assert sent.provider_id.startswith("SM")
    request = http.requests[0]
    assert request["url"].endswith("/Messages.json")
    assert request["data"]["To"] == "+13055550142" and request["data"]["From"] == "+13055550000"


def test_invalid_number_is_recorded_not_retried(app, redis, tenant, monkeypatch):
    error = {
        "code": 21211,
        "message": "The 'To' number is not a valid phone number.",
        "status": 400,
    }
    http = FakeTwilioHttp(status=400, body=error)
    monkeypatch.setattr(
        "bbp.messaging.services.provider",
        lambda: TwilioProvider("AC" + "1" * 32, "tok", "+13055550000", http),
    )
    with app.app_context(), bound(tenant.info, db.session):
        services.queue("3055550142", "Hello", "one_off")
    _work(app, redis)
    message = _messages(app, tenant)[0]
    assert message.status == "failed" and "21211" in message.last_error
    assert len(http.requests) == 1


def test_a_provider_outage_is_retried(app, redis, tenant, monkeypatch):
    http = FakeTwilioHttp(status=503, body={"code": 20500, "message": "down", "status": 503})
    monkeypatch.setattr(
        "bbp.messaging.services.provider",
        lambda: TwilioProvider("AC" + "1" * 32, "tok", "+13055550000", http),
    )
    with app.app_context(), bound(tenant.info, db.session):
        message = services.queue("3055550142", "Hello", "one_off")
        assert services.deliver(message.id) == "retry"
        db.session.refresh(message)
        assert (message.status, message.attempts) == ("queued", 1)
        assert "20500" in message.last_error
        # Not ready again until its backoff has passed: a drain right now leaves it alone.
        assert services.drain() == {}


def test_stop_and_start_by_signed_webhook(app, redis, owner, tenant, token):
    stop = _signed(
        app,
        owner,
        "/messages/twilio/inbound",
        {"From": "+13055550142", "Body": "Stop", "MessageSid": "SM1"},
    )
    assert stop.status_code == 200
    _signed(
        app,
        owner,
        "/messages/twilio/inbound",
        {"From": "+13055550142", "Body": "Stop", "MessageSid": "SM1"},
    )  # delivered twice
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.get(OptOut, "+13055550142") is not None
        held = services.queue("3055550142", "Court tomorrow", "reminder")
        assert held.status == "opted_out"
    assert len([m for m in _messages(app, tenant) if m.direction == "in"]) == 1
    _signed(
        app,
        owner,
        "/messages/twilio/inbound",
        {"From": "+13055550142", "Body": "START", "MessageSid": "SM2"},
    )
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.get(OptOut, "+13055550142") is None


def test_a_bad_signature_gets_403_and_changes_nothing(app, owner, tenant, token):
    response = owner.client.post(
        "/messages/twilio/inbound",
        base_url=owner.base_url,
        data={"From": "+13055550142", "Body": "STOP", "MessageSid": "SM9"},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert response.status_code == 403
    assert _messages(app, tenant) == []


def test_status_callbacks_only_move_forward(app, owner, tenant, token):
    with app.app_context(), bound(tenant.info, db.session):
        message = services.queue("3055550142", "Hello", "one_off")
        message.status, message.provider_id = "sent", "SMabc"
        db.session.commit()
    for status in ("delivered", "sent", "queued"):
        assert (
            _signed(
                app,
                owner,
                "/messages/twilio/status",
                {"MessageSid": "SMabc", "MessageStatus": status},
            ).status_code
            == 204
        )
    assert _messages(app, tenant)[0].status == "delivered"


def test_another_agency_cannot_text_this_agencys_bond(app, tenant, other_tenant, visit):
    bond_id = make_bond(app, tenant)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    response = intruder.post(
        f"/messages/bonds/{bond_id}/send", {"recipient": "defendant", "body": "hi"}
    )
    assert response.status_code == 404


def test_texts_show_on_the_defendant_page(app, owner, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        person = Defendant(first_name="Ana", last_name="Luz", phone="3055550177")
        db.session.add(person)
        db.session.commit()
        services.queue(
            "3055550177", "Your court date moved to Friday", "one_off", defendant_id=person.id
        )
        defendant_id = person.id
    page = owner.get(f"/defendants/{defendant_id}").get_data(as_text=True)
    assert "Your court date moved to Friday" in page


def test_a_reply_reaches_the_defendant_page_and_the_agent(app, redis, owner, tenant, token):

    bond_id = make_bond(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.defendant.phone = "3055550142"
        bond.writing_agent_id = db.session.scalars(select(User.id)).first()
        db.session.commit()
        defendant_id = bond.defendant.id
    _signed(
        app,
        owner,
        "/messages/twilio/inbound",
        {"From": "+13055550142", "Body": "Running late, on my way", "MessageSid": "SM77"},
    )
    assert "Running late" in owner.get(f"/defendants/{defendant_id}").get_data(as_text=True)
    mails = [_json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert mails[0]["to"] == tenant.owner_email and "Running late" in mails[0]["body"]
    _signed(  # Twilio's retry of the same webhook: a duplicate, no second email
        app,
        owner,
        "/messages/twilio/inbound",
        {"From": "+13055550142", "Body": "Running late, on my way", "MessageSid": "SM77"},
    )
    assert redis.llen(outbox_key(tenant.slug)) == len(mails)


def test_a_busy_agency_does_not_starve_another(app, redis, make_agency, monkeypatch):
    """Agency A queues 120 texts, then B one: B's goes out after A's first turn, not its last.

    A turn is bounded by time: each text here takes at least 10 ms and a turn 50 ms, so A's
    first turn sends at most 6 texts before its drain goes to the back of the queue."""

    busy, quiet = make_agency("busy"), make_agency("quiet")
    order = []
    real_send = FakeProvider.send

    def recording_send(self, to, body):
        time.sleep(0.01)
        order.append(body)
        return real_send(self, to, body)

    monkeypatch.setattr(FakeProvider, "send", recording_send)
    monkeypatch.setattr(services, "TURN_SECONDS", 0.05)
    with app.app_context():
        with bound(busy.info, db.session):
            for n in range(120):
                services.queue("3055550142", f"busy {n}", "one_off")
        with bound(quiet.info, db.session):
            services.queue("3055550199", "quiet one", "one_off")
    _work(app, redis)
    assert len(order) == 121 and len(set(order)) == 121
    assert order.index("quiet one") <= 6


def test_an_agency_texts_from_its_own_number_and_account(app, owner, tenant, monkeypatch):

    response = owner.post(
        "/settings/reminders/sender",
        {
            "sms_sender": "+13055550100",
            "twilio_account_sid": "AC" + "b" * 32,
            "twilio_auth_token": "agency-token",
        },
    )
    assert response.status_code == 302
    with app.app_context(), bound(tenant.info, db.session):
        assert agency_credentials() == ("AC" + "b" * 32, "agency-token", "+13055550100")
        assert b"agency-token" not in settings.current().twilio_auth_token_encrypted
    # Webhooks are then checked against the agency's own token.
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "platform-token")
    form = {"From": "+13055550142", "Body": "hi", "MessageSid": "SM5"}
    url = f"{owner.base_url}/messages/twilio/inbound"
    good = RequestValidator("agency-token").compute_signature(url, form)
    response = owner.client.post(
        "/messages/twilio/inbound",
        base_url=owner.base_url,
        data=form,
        headers={"X-Twilio-Signature": good},
    )
    assert response.status_code == 200


def test_bad_sender_settings_are_explained(owner):
    response = owner.post(
        "/settings/reminders/sender", {"sms_sender": "555", "twilio_account_sid": "XX1"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use +1 and 10 digits" in body and "starts with AC" in body
    missing = owner.post("/settings/reminders/sender", {"twilio_account_sid": "AC" + "c" * 32})
    assert "Enter the auth token" in missing.get_data(as_text=True)
