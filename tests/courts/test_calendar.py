"""The court calendar opens on today and the next 7 days, and counts court dates per day of a month."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from bbp.courts import calendar
from tests.factories import make_bond

# 15:00 UTC on Sunday Mar 8, 2026 is 11:00 in New York, the test agencies' zone.
NOW = datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 8)


def _court(owner, bond_id, starts_at: str, kind: str = "hearing") -> None:
    response = owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": starts_at, "kind": kind})
    assert response.status_code == 302, response.get_data(as_text=True)


def _listed(page: str) -> list[str]:
    """The defendants the page lists, in order."""
    return re.findall(r'<a href="/bonds/\d+">([^<]+)</a>', page)


def test_the_calendar_opens_on_today_and_the_next_7_days(app, tenant, owner, clock):
    clock.set(NOW)
    for name, starts_at in [
        ("Yesterday", "2026-03-07T16:00"),
        ("Tomorrow", "2026-03-09T09:30"),
        ("Tonight", "2026-03-08T23:30"),
        ("Sunday", "2026-03-15T09:00"),
        ("Monday", "2026-03-16T09:00"),
    ]:
        _court(owner, make_bond(app, tenant, first_name="Ann", last_name=name), starts_at)
    page = owner.get("/court/calendar").get_data(as_text=True)
    assert "Today and the next 7 days" in page
    assert "Sun Mar 8 to Sun Mar 15, 2026" in page and "3 court dates" in page
    assert _listed(page) == ["Tonight, Ann", "Tomorrow, Ann", "Sunday, Ann"]
    following = owner.get("/court/calendar?date=2026-03-16").get_data(as_text=True)
    assert _listed(following) == ["Monday, Ann"] and "8 days from Monday Mar 16" in following
    assert 'href="/court/calendar?date=2026-03-16"' in page  # "Next 8 days" continues the list
    assert 'href="/court/calendar?date=2026-02-28"' in page  # and "Previous 8 days" goes back
    day = owner.get("/court/calendar?view=day&date=2026-03-09").get_data(as_text=True)
    assert _listed(day) == ["Tomorrow, Ann"] and "Monday Mar 9, 2026" in day


def test_the_month_view_counts_court_dates_per_day_and_links_to_each_day(app, tenant, owner, clock):
    clock.set(NOW)
    bond_id = make_bond(app, tenant, first_name="Mo", last_name="Nth")
    for starts_at in (
        "2026-03-10T09:00",
        "2026-03-10T14:00",
        "2026-03-31T23:30",
        "2026-04-01T09:00",
    ):
        _court(owner, bond_id, starts_at)
    page = owner.get("/court/calendar?view=month&date=2026-03-20").get_data(as_text=True)
    assert "March 2026" in page and "3 court dates" in page
    tenth = re.search(r'date=2026-03-10" class="month-count">(\d+) court dates<', page)
    last = re.search(r'date=2026-03-31" class="month-count">(\d+) court date<', page)
    assert tenth and tenth.group(1) == "2" and last and last.group(1) == "1"
    assert "2026-04-01" not in page.split('<ul class="month-list">')[1]  # April is next month's
    assert "Tue Mar 10</a> · 2 court dates" in page  # the list phones show instead of the grid
    assert 'href="/court/calendar?view=month&amp;date=2026-04-01"' in page  # "April →"
    assert 'href="/court/calendar?view=month&amp;date=2026-02-01"' in page  # "← February"
    empty = owner.get("/court/calendar?view=month&date=2026-05-02").get_data(as_text=True)
    assert "No court dates in May." in empty and "0 court dates" in empty


def test_a_month_grid_starts_on_sunday_and_pads_with_the_neighboring_months():
    weeks = calendar.month_weeks(date(2026, 3, 1), {date(2026, 3, 10): 2})
    assert weeks[0][0].day == date(2026, 3, 1) and weeks[-1][-1].day == date(2026, 4, 4)
    assert all(len(week) == 7 for week in weeks)
    counted = [(d.day, d.count) for week in weeks for d in week if d.count]
    assert counted == [(date(2026, 3, 10), 2)]
    assert not weeks[-1][-1].in_month


def test_calendar_periods_step_by_their_own_length():
    upcoming = calendar.period("", date(2026, 3, 8), TODAY)
    assert (upcoming.view, upcoming.last, upcoming.following) == (
        "upcoming",
        date(2026, 3, 15),
        date(2026, 3, 16),
    )
    assert upcoming.heading == "Today and the next 7 days"
    month = calendar.period("month", date(2026, 1, 31), TODAY)
    assert (month.start, month.days, month.previous, month.following) == (
        date(2026, 1, 1),
        31,
        date(2025, 12, 1),
        date(2026, 2, 1),
    )
    day = calendar.period("day", TODAY, TODAY)
    assert day.heading == "Sunday Mar 8, 2026 (today)" and day.previous == date(2026, 3, 7)
