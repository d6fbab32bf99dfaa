"""While an agency is suspended its defendants still check in; once it is closed they cannot."""

from __future__ import annotations

from datetime import time as clock_time
from datetime import timedelta

from bbp.checkins import services
from bbp.platform import lifecycle
from tests.checkins.conftest import NOW, checkins, inside, link_path, make_defendant, texts
from tests.support import add_user


def _texted_link(app, agency, clock) -> str:
    """A check-in due at 9:00 today, texted while the agency is suspended; returns its path."""
    by = add_user(app, agency.info, "agent")
    with inside(app, agency):
        clock.set(NOW - timedelta(days=1))
        defendant = make_defendant()
        services.set_schedule(defendant, NOW.weekday(), None, clock_time(9, 0), by)
    with app.app_context():
        lifecycle.suspend(agency.info.id, "Unpaid invoices")
    clock.set(NOW)
    with inside(app, agency):
        services.due_checkins(NOW)
        return link_path(texts()[0])


def test_a_suspended_agencys_defendant_checks_in_from_the_texted_link(
    checkins_app, visit, tenant, clock
):
    path = _texted_link(checkins_app, tenant, clock)
    phone = visit(tenant)
    assert phone.get("/login").status_code == 403  # staff are shut out
    assert phone.get(path).status_code == 200
    done = phone.post(path, {"method": "plain"})
    assert done.status_code == 200 and "you are checked in" in done.get_data(as_text=True)
    with inside(checkins_app, tenant):
        assert [c.status for c in checkins()] == ["done"]


def test_a_closed_agencys_check_in_link_shows_the_closed_page(checkins_app, visit, tenant, clock):
    path = _texted_link(checkins_app, tenant, clock)
    with checkins_app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "Agency closed", tenant.slug)
    page = visit(tenant).get(path)
    assert page.status_code == 410
    assert "If you have a court date, it still stands" in page.get_data(as_text=True)
