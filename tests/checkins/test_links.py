"""Check-ins fall due once, are texted once, and their links work once, here, for a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker

from bbp.checkins import services
from bbp.jobs.periodic import tick
from tests.checkins.conftest import NOW, checkins, inside, link_path, make_defendant, texts
from tests.support import add_user

NINE = clock_time(9, 0)
NEW_YORK = ZoneInfo("America/New_York")


def _due_today(app, agency, clock, phone="3055550142", language="en") -> str:
    """A defendant due at 9:00 today (set yesterday); returns the link path texted to them."""
    by = add_user(app, agency.info, "agent")
    with inside(app, agency):
        clock.set(NOW - timedelta(days=1))
        defendant = make_defendant(phone, language=language)
        services.set_schedule(defendant, NOW.weekday(), None, NINE, by)
        clock.set(NOW)
        services.due_checkins(NOW)
        return link_path(texts()[0]) if phone else ""


def test_a_due_check_in_is_opened_and_texted_once(checkins_app, tenant, clock):
    _due_today(checkins_app, tenant, clock)
    with inside(checkins_app, tenant):
        assert services.due_checkins(NOW) == 0
        assert services.due_checkins(NOW + timedelta(minutes=1)) == 0
        [checkin], [text] = checkins(), texts()
        assert checkin.due_at == NOW and checkin.status == "pending"
        assert checkin.sent_message_id == text.id
        assert (text.phone, text.purpose, text.defendant_id) == (
            "+13055550142",
            "check_in",
            checkin.defendant_id,
        )
        assert f"http://{tenant.slug}.localhost/check-in/" in text.body


def test_nothing_is_due_before_the_time_or_before_the_schedule_was_set(checkins_app, tenant, clock):
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        defendant = make_defendant()
        # Set at 9:00 for 8:00 today: today's 8:00 is already past, so the first one is next week.
        services.set_schedule(defendant, NOW.weekday(), None, clock_time(8, 0), by)
        assert services.due_checkins(NOW + timedelta(hours=1)) == 0
        assert checkins() == []
        schedule = services.schedule_of(defendant)
        # Next Tuesday, 8:00 local: daylight saving time starts in between (Mar 8, 2026).
        assert services.next_due(schedule, NOW) == datetime(2026, 3, 10, 8, 0, tzinfo=NEW_YORK)


def test_every_few_days_counts_from_the_day_the_schedule_was_set(checkins_app, tenant, clock):
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        clock.set(NOW - timedelta(hours=1))
        defendant = make_defendant()
        schedule = services.set_schedule(defendant, None, 3, NINE, by)
        due = schedule.due_times(NOW - timedelta(hours=2), NOW + timedelta(days=7), NEW_YORK)
    # 9:00 local each time, across the start of daylight saving time on Mar 8.
    assert due == [datetime(2026, 3, day, 9, 0, tzinfo=NEW_YORK) for day in (3, 6, 9)]


def test_a_defendant_without_a_phone_is_listed_but_not_texted(checkins_app, tenant, clock):
    _due_today(checkins_app, tenant, clock, phone="")
    with inside(checkins_app, tenant):
        [checkin] = checkins()
        assert checkin.sent_message_id is None and texts() == []


def test_the_link_works_once(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    phone = visit(tenant)
    page = phone.get(path)
    assert page.status_code == 200
    assert "Check in with my location" in page.get_data(as_text=True)
    done = phone.post(path, {"method": "plain"})
    assert done.status_code == 200
    assert "you are checked in" in done.get_data(as_text=True)
    with inside(checkins_app, tenant):
        [checkin] = checkins()
        assert (checkin.status, checkin.method, checkin.token_nonce) == ("done", "plain", None)
        assert checkin.checked_in_at == NOW and checkin.ip == "127.0.0.1"
        assert checkin.latitude is None
    for again in (phone.get(path), phone.post(path, {"method": "plain"})):
        assert again.status_code == 410
        body = again.get_data(as_text=True)
        assert "already been used" in body and "Ask your bail agent for a new link" in body


def test_gps_check_in_stores_the_location(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    phone = visit(tenant)
    phone.get(path)
    form = {"method": "gps", "latitude": "25.7742", "longitude": "-80.19371", "accuracy": "12.4"}
    response = phone.post(path, form, headers={"User-Agent": "CheapPhone/1.0"})
    assert response.status_code == 200
    assert "with your location" in response.get_data(as_text=True)
    with inside(checkins_app, tenant):
        [checkin] = checkins()
        assert (checkin.method, checkin.latitude, checkin.longitude, checkin.accuracy_m) == (
            "gps",
            Decimal("25.774200"),
            Decimal("-80.193710"),
            12,
        )
        assert checkin.location_text == "25.774200, -80.193710 ±12 m"
        assert checkin.user_agent == "CheapPhone/1.0"


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("", "-80.1"), ("NaN", "-80.1"), ("91", "0"), ("1e309", "0")]
)
def test_an_unreadable_location_keeps_the_plain_check_in(
    checkins_app, visit, tenant, clock, latitude, longitude
):
    path = _due_today(checkins_app, tenant, clock)
    phone = visit(tenant)
    phone.get(path)
    form = {"method": "gps", "latitude": latitude, "longitude": longitude}
    refused = phone.post(path, form)
    assert refused.status_code == 422
    assert "check in without it" in refused.get_data(as_text=True)
    assert phone.post(path, {"method": "plain"}).status_code == 200


def test_an_expired_link_is_refused(checkins_app, visit, tenant, clock):
    hours = services.DEFAULT_HOURS
    path = _due_today(checkins_app, tenant, clock)
    clock.advance(hours=hours, minutes=1)  # the link was made that long ago
    response = visit(tenant).get(path)
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert "expired" in body and "Ask your bail agent for a new link" in body


def test_the_link_lifetime_is_configurable(checkins_app, visit, tenant, clock, monkeypatch):
    path = _due_today(checkins_app, tenant, clock)
    clock.advance(hours=30)  # the link was made that long ago
    monkeypatch.setitem(checkins_app.config, "CHECKIN_LINK_HOURS", 48)
    assert visit(tenant).get(path).status_code == 200


def test_a_tampered_link_is_refused(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    phone = visit(tenant)
    for bad in (path[:-3] + ("abc" if not path.endswith("abc") else "xyz"), "/check-in/x"):
        response = phone.get(bad)
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    with inside(checkins_app, tenant):
        assert checkins()[0].status == "pending"


def test_a_link_from_another_agency_is_refused_here(
    checkins_app, visit, tenant, other_tenant, clock
):
    _due_today(checkins_app, tenant, clock)
    theirs = _due_today(checkins_app, other_tenant, clock)
    phone = visit(tenant)
    assert phone.get(theirs).status_code == 400
    refused = phone.post(theirs, {"method": "plain"})
    assert refused.status_code == 400
    assert "not for this bail agency" in refused.get_data(as_text=True)
    with inside(checkins_app, tenant):
        assert [c.status for c in checkins()] == ["pending"]
    with inside(checkins_app, other_tenant):
        assert [c.status for c in checkins()] == ["pending"]


def test_a_check_in_is_missed_when_its_window_closes(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    with inside(checkins_app, tenant):
        assert services.mark_missed(NOW + timedelta(hours=23, minutes=59)) == 0
        assert services.mark_missed(NOW + timedelta(hours=24)) == 1
        assert services.mark_missed(NOW + timedelta(hours=25)) == 0
        [checkin] = checkins()
        assert (checkin.status, checkin.token_nonce) == ("missed", None)
    response = visit(tenant).get(path)
    assert response.status_code == 410
    assert "has passed" in response.get_data(as_text=True)


def test_the_scheduler_opens_and_texts_due_check_ins(checkins_app, tenant, clock, redis):
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        clock.set(NOW - timedelta(days=1))
        defendant = make_defendant()
        services.set_schedule(defendant, NOW.weekday(), None, NINE, by)
    clock.set(NOW)
    with checkins_app.app_context():
        assert tick(NOW) >= 1
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    with inside(checkins_app, tenant):
        [checkin], [text] = checkins(), texts()
        assert checkin.sent_message_id == text.id and text.status == "sent"


def test_a_check_in_without_the_form_token_is_refused(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    response = visit(tenant).post(path, {"method": "plain"}, csrf=False)
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    with inside(checkins_app, tenant):
        assert checkins()[0].status == "pending"
