"""Texts staff trigger are limited per recipient and per agency; automated texts never are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_login import login_user
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bbp.auth.models import User
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.kernel.ratelimit import RateLimited
from bbp.messaging import services as messaging
from bbp.messaging.models import Message
from bbp.reminders import services as reminders
from bbp.signatures import upkeep
from bbp.signatures.models import SignatureRequest
from bbp.tenancy import bound
from tests.portal.conftest import COSIGNER_PHONE, DEFENDANT_PHONE, inside, make_book
from tests.signatures.conftest import send

LIMIT = 5  # the default STAFF_TEXTS_PER_RECIPIENT_HOUR
COURT = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # daytime in every US time zone


def _count(app, agency, purpose: str | None = None, phone: str = COSIGNER_PHONE) -> int:
    with inside(app, agency):
        query = select(func.count()).select_from(Message).where(Message.phone == f"+1{phone}")
        if purpose:
            query = query.where(Message.purpose == purpose)
        return db.session.scalar(query)


def _owner_user(app, agency) -> User:
    with inside(app, agency):
        user = db.session.scalar(select(User).where(User.email == agency.owner_email))
        db.session.expunge(user)
        return user


def _one_off(app, agency, visitor, book):
    url = f"/messages/bonds/{book.bond_id}/send"
    data = {"recipient": f"indemnitor-{book.cosigner_id}", "body": "Please call the office."}
    return 0, lambda: visitor.post(url, data)


def _portal_link(app, agency, visitor, book):
    return 0, lambda: visitor.post(f"/portal/invite/cosigners/{book.cosigner_id}")


def _signature(app, agency, visitor, book):
    url = f"/bonds/{book.bond_id}/signatures"
    data = {"kind": "indemnity", "signer": f"cosigner:{book.cosigner_id}", "channel": "sms"}
    return 0, lambda: visitor.post(url, data, htmx=True)


def _signature_resend(app, agency, visitor, book):
    request_id = send(app, agency, book, by=_owner_user(app, agency))  # the first of the five
    return 1, lambda: visitor.post(f"/signatures/{request_id}/resend")


ACTIONS = {
    "one_off": _one_off,
    "portal_link": _portal_link,
    "signature": _signature,
    "signature_resend": _signature_resend,
}


def _signed_in(visit, agency):
    visitor = visit(agency)
    assert visitor.login(agency.owner_email).status_code == 302
    return visitor


def _work(app, redis) -> None:
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_staff_text_stops_at_the_recipient_limit_with_a_message(
    app, visit, tenant, other_tenant, action
):
    purpose = action.removesuffix("_resend")
    book, other_book = make_book(app, tenant), make_book(app, other_tenant)
    spent, click = ACTIONS[action](app, tenant, _signed_in(visit, tenant), book)
    for _ in range(LIMIT - spent):
        assert click().status_code in (200, 302)
    assert _count(app, tenant, purpose) == LIMIT
    refused = click()
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert f"to the number ending {COSIGNER_PHONE[-4:]}: 5 an hour is the limit" in page
    assert _count(app, tenant, purpose) == LIMIT  # no extra row
    if action == "signature":  # an htmx form: the message comes back as a fragment
        assert "<html" not in page
    with inside(app, tenant):  # a refused signature request leaves no request behind
        requests = db.session.scalar(select(func.count()).select_from(SignatureRequest))
    assert requests == {"signature": LIMIT, "signature_resend": 1}.get(action, 0)
    stored = Path(app.config["STORAGE_ROOT"], tenant.slug, "signatures").glob("*.pdf")
    assert len(list(stored)) == {"signature": LIMIT, "signature_resend": 1}.get(action, 0)
    # The same phone on file at another agency is that agency's business, not this one's.
    _, other_click = ACTIONS[action](app, other_tenant, _signed_in(visit, other_tenant), other_book)
    assert other_click().status_code in (200, 302)
    assert _count(app, other_tenant, purpose) == 1 + (action == "signature_resend")


def test_the_recipient_limit_is_per_number(app, owner, tenant):
    book = make_book(app, tenant)
    for _ in range(LIMIT):
        owner.post(f"/portal/invite/cosigners/{book.cosigner_id}")
    assert owner.post(f"/portal/invite/cosigners/{book.cosigner_id}").status_code == 429
    assert owner.post(f"/portal/invite/defendants/{book.defendant_id}").status_code == 302
    assert _count(app, tenant, "portal_link", DEFENDANT_PHONE) == 1


def test_the_agency_limit_counts_every_staff_text(app, visit, monkeypatch, tenant, other_tenant):
    monkeypatch.setitem(app.config, "STAFF_TEXTS_PER_AGENCY_HOUR", 3)
    book, other_book = make_book(app, tenant), make_book(app, other_tenant)
    staff = _signed_in(visit, tenant)
    assert staff.post(f"/portal/invite/cosigners/{book.cosigner_id}").status_code == 302
    assert staff.post(f"/portal/invite/defendants/{book.defendant_id}").status_code == 302
    _, text = _one_off(app, tenant, staff, book)
    assert text().status_code == 302
    refused = staff.post(f"/portal/invite/defendants/{book.defendant_id}")
    assert refused.status_code == 429
    assert "Your agency has sent 3 texts from staff actions in the last hour" in (
        refused.get_data(as_text=True)
    )
    assert _count(app, tenant, phone=DEFENDANT_PHONE) == 1
    other = _signed_in(visit, other_tenant)
    assert other.post(f"/portal/invite/defendants/{other_book.defendant_id}").status_code == 302


def test_automated_texts_are_never_stopped_by_the_staff_limits(app, visit, monkeypatch, tenant):
    book = make_book(app, tenant)
    request_id = send(app, tenant, book, by=_owner_user(app, tenant))
    monkeypatch.setitem(app.config, "STAFF_TEXTS_PER_AGENCY_HOUR", 1)
    monkeypatch.setitem(app.config, "STAFF_TEXTS_PER_RECIPIENT_HOUR", 1)
    staff = _signed_in(visit, tenant)
    assert staff.post(f"/portal/invite/cosigners/{book.cosigner_id}").status_code == 429
    with inside(app, tenant):
        court_date = db.session.get(CourtDate, book.court_date_id)
        court_date.starts_at = COURT
        db.session.commit()
        now = COURT - timedelta(days=1) + timedelta(minutes=1)
        reminders.plan(now)
        assert reminders.send_due(now)["sent"] == 2  # court reminders: defendant and cosigner
        sent_at = db.session.get(SignatureRequest, request_id).created_at
        assert upkeep.remind_and_expire(sent_at + timedelta(hours=25)) == (1, 0)
    assert _count(app, tenant, "reminder") == 1 and _count(app, tenant, "signature") == 2
    assert _count(app, tenant, "reminder", DEFENDANT_PHONE) == 1


def test_staff_texts_count_in_the_agencys_monthly_usage(app, redis, owner, tenant):
    book = make_book(app, tenant)
    owner.post(f"/portal/invite/cosigners/{book.cosigner_id}")
    owner.post(f"/messages/bonds/{book.bond_id}/send", {"recipient": "defendant", "body": "Hi"})
    _work(app, redis)
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert f"texts this month for {tenant.slug}: 2 (2 segments)" in output


def test_a_staff_action_that_forgets_by_is_limited_all_the_same(app, tenant):
    with app.test_request_context(), bound(tenant.info, db.session):
        login_user(db.session.scalar(select(User).where(User.email == tenant.owner_email)))
        for _ in range(LIMIT):
            messaging.queue(COSIGNER_PHONE, "Call us", "one_off", commit=False)
        with pytest.raises(RateLimited):
            messaging.queue(COSIGNER_PHONE, "Call us", "one_off", commit=False)
        db.session.rollback()
    with app.app_context(), bound(tenant.info, db.session):  # no one signed in: automated
        for _ in range(LIMIT + 1):
            messaging.queue(COSIGNER_PHONE, "Court moved", "one_off", commit=False)
        db.session.rollback()


def test_a_failure_to_appear_notice_is_sent_past_the_staff_limits(app, owner, monkeypatch, tenant):
    book = make_book(app, tenant)
    monkeypatch.setitem(app.config, "STAFF_TEXTS_PER_AGENCY_HOUR", 1)
    assert owner.post(f"/portal/invite/defendants/{book.defendant_id}").status_code == 302
    assert owner.post(f"/portal/invite/cosigners/{book.cosigner_id}").status_code == 429
    outcome = {"outcome": "failed_to_appear", "confirm": "y"}
    assert owner.post(f"/court/{book.court_date_id}/outcome", outcome).status_code == 302
    assert _count(app, tenant, "failure_to_appear") == 1


def test_repeated_failures_to_appear_text_a_cosigner_once_a_day(app, owner, tenant):
    """Recording FTA, reinstating and recording another FTA is no way around the limits."""
    book = make_book(app, tenant)
    outcome = {"outcome": "failed_to_appear", "confirm": "y"}
    assert owner.post(f"/court/{book.court_date_id}/outcome", outcome).status_code == 302
    for _ in range(3):
        reinstate = {"status": "reinstated", "reason": "Surrendered in court"}
        assert owner.post(f"/bonds/{book.bond_id}/status", reinstate).status_code == 302
        yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT10:00")
        owner.post(f"/court/bonds/{book.bond_id}/new", {"starts_at": yesterday, "kind": "hearing"})
        with inside(app, tenant):
            latest = db.session.scalar(select(func.max(CourtDate.id)))
        assert owner.post(f"/court/{latest}/outcome", outcome).status_code == 302
    assert _count(app, tenant, "failure_to_appear") == 1
