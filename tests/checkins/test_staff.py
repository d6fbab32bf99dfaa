"""Staff side of check-ins: the schedule form, the list page, the defendant section, access."""

from __future__ import annotations

from datetime import time, timedelta

from flask import g, render_template

from bbp.checkins import services
from bbp.extensions import db
from bbp.tenancy import bound
from tests.checkins.conftest import (
    NOW,
    checkins,
    defendant,
    inside,
    link_path,
    make_defendant,
    texts,
)
from tests.support import add_user

SCHEDULE = "/check-in/defendants/{}/schedule"


def _defendant(app, agency, **kwargs) -> int:
    with inside(app, agency):
        return make_defendant(**kwargs).id


def test_the_schedule_form_saves_a_weekly_schedule(checkins_app, owner, tenant, clock):
    defendant_id = _defendant(checkins_app, tenant)
    page = owner.get(SCHEDULE.format(defendant_id))
    assert page.status_code == 200 and "Every Tuesday" in page.get_data(as_text=True)
    form = {"weekday": "1", "time_of_day": "18:30", "active": "y"}
    saved = owner.post(SCHEDULE.format(defendant_id), form)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/defendants/{defendant_id}#check-ins")
    with inside(checkins_app, tenant):
        schedule = services.schedule_of(defendant(defendant_id))
        assert (schedule.weekday, schedule.every_days, schedule.time_of_day, schedule.active) == (
            1,
            7,
            time(18, 30),
            True,
        )
        assert schedule.description == "Every Tuesday at 6:30 PM"
    again = owner.get(SCHEDULE.format(defendant_id)).get_data(as_text=True)
    assert 'value="18:30"' in again and "now: Every Tuesday at 6:30 PM" in again


def test_bad_schedule_input_is_422_and_keeps_what_was_typed(checkins_app, owner, tenant):
    defendant_id = _defendant(checkins_app, tenant)
    owner.get(SCHEDULE.format(defendant_id))
    bad_time = owner.post(
        SCHEDULE.format(defendant_id), {"weekday": "", "every_days": "3", "time_of_day": "25:99"}
    )
    assert bad_time.status_code == 422
    body = bad_time.get_data(as_text=True)
    assert "Enter a time such as 09:30." in body and 'value="25:99"' in body
    assert 'value="3"' in body
    no_rule = owner.post(SCHEDULE.format(defendant_id), {"weekday": "", "time_of_day": "09:00"})
    assert no_rule.status_code == 422
    body = no_rule.get_data(as_text=True)
    assert "Choose a weekday, or enter how many days apart." in body and 'value="09:00"' in body
    too_many = owner.post(
        SCHEDULE.format(defendant_id), {"every_days": "400", "time_of_day": "09:00"}
    )
    assert too_many.status_code == 422
    assert 'value="400"' in too_many.get_data(as_text=True)
    bad_day = owner.post(SCHEDULE.format(defendant_id), {"weekday": "9", "time_of_day": "09:00"})
    assert bad_day.status_code == 422
    assert "Choose a day of the week." in bad_day.get_data(as_text=True)
    with inside(checkins_app, tenant):
        assert services.schedule_of(defendant(defendant_id)) is None


def test_the_list_shows_today_and_flags_missed(checkins_app, owner, tenant, clock):
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        clock.set(NOW - timedelta(hours=25))  # 8:00 yesterday
        services.set_schedule(make_defendant(first="Dana"), None, 1, time(9, 0), by)
        services.due_checkins(NOW - timedelta(days=1))
        services.mark_missed(NOW)
        clock.set(NOW)
        services.set_schedule(make_defendant(first="Eli", phone=""), None, 1, time(15, 0), by)
        services.due_checkins(NOW)
        assert [c.status for c in checkins()] == ["missed", "pending"]
    page = owner.get("/check-in/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    today, attention = body.split('id="check-ins-attention"')
    assert "Dana Reyes" in today and "Waiting" in today and "Link texted" in today
    assert "Dana Reyes" in attention and "Missed" in attention
    assert "Eli Reyes" not in body  # due at 3 PM: nothing yet
    assert "Missed" not in today


def test_the_defendant_section_shows_schedule_and_recent_check_ins(
    checkins_app, visit, tenant, clock
):
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        clock.set(NOW - timedelta(hours=25))  # 8:00 yesterday
        defendant_id = make_defendant().id
        services.set_schedule(defendant(defendant_id), None, 1, time(9, 0), by)
        services.due_checkins(NOW - timedelta(days=1))
        services.mark_missed(NOW)
        clock.set(NOW)
        services.due_checkins(NOW)
        _, today = checkins()
        link = services.Link(today, today.token_nonce)
        services.record(link, "gps", "25.7742", "-80.1937", "12.4")
    with (
        checkins_app.test_request_context(base_url=f"http://{tenant.slug}.localhost"),
        bound(tenant.info),
    ):
        g.tenant = tenant.info
        html = render_template(
            "checkins/_defendant_section.html", defendant=defendant(defendant_id)
        )
        db.session.remove()
    assert "Every day at 9:00 AM" in html
    assert "25.774200, -80.193700 ±12 m" in html
    assert "Missed" in html and "No check-in within the window" in html
    assert "Next check-in: <strong>Wed Mar 4, 9:00 AM</strong>" in html


def test_staff_never_read_a_check_in_link(checkins_app, owner, tenant, clock):
    """An agent who could open the texted link could check in for the defendant."""
    by = add_user(checkins_app, tenant.info, "agent")
    with inside(checkins_app, tenant):
        clock.set(NOW - timedelta(days=1))
        defendant_id = make_defendant().id
        services.set_schedule(defendant(defendant_id), NOW.weekday(), None, time(9, 0), by)
        clock.set(NOW)
        services.due_checkins(NOW)
        token = link_path(texts()[0]).rsplit("/", 1)[1]
    page = owner.get(f"/defendants/{defendant_id}").get_data(as_text=True)
    assert "time for your check-in" in page and "/check-in/[hidden]" in page
    assert token not in page


def test_viewers_see_the_list_but_cannot_set_schedules(checkins_app, visit, tenant):
    defendant_id = _defendant(checkins_app, tenant)
    viewer = add_user(checkins_app, tenant.info, "viewer")
    visitor = visit(tenant)
    visitor.login(viewer.email)
    assert visitor.get("/check-in/").status_code == 200
    refused = visitor.get(SCHEDULE.format(defendant_id))
    assert refused.status_code == 403
    assert "needs the agent role" in refused.get_data(as_text=True)
    posted = visitor.post(SCHEDULE.format(defendant_id), {"weekday": "1", "time_of_day": "09:00"})
    assert posted.status_code == 403
    with inside(checkins_app, tenant):
        assert services.schedule_of(defendant(defendant_id)) is None


def test_signed_out_visitors_are_sent_to_sign_in(checkins_app, visit, tenant):
    defendant_id = _defendant(checkins_app, tenant)
    visitor = visit(tenant)
    for path in ("/check-in/", SCHEDULE.format(defendant_id)):
        response = visitor.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_agencys_defendant_is_404(checkins_app, visit, tenant, other_tenant):
    defendant_id = _defendant(checkins_app, tenant, first="Victor", last="Markerson")
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    got = intruder.get(SCHEDULE.format(defendant_id))
    assert got.status_code == 404 and "Markerson" not in got.get_data(as_text=True)
    posted = intruder.post(SCHEDULE.format(defendant_id), {"weekday": "1", "time_of_day": "09:00"})
    assert posted.status_code == 404
    with inside(checkins_app, tenant):
        assert services.schedule_of(defendant(defendant_id)) is None
