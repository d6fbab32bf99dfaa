"""The court calendar: the days ahead from a day, one day, or a month with counts per day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from bbp.courts.models import CourtDate
from bbp.courts.services import between
from bbp.extensions import db
from bbp.kernel.clock import agency_today, agency_zone
from bbp.kernel.dates import add_days

# Today and the next 7 days: a hearing on the same weekday next week is already in view.
UPCOMING_DAYS = 8
VIEWS = ("upcoming", "day", "month")
WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


@dataclass(frozen=True)
class Period:
    """The days one calendar page covers, and the pages before and after it."""

    view: str
    start: date
    days: int
    today: date

    @property
    def last(self) -> date:
        return add_days(self.start, self.days - 1)

    @property
    def previous(self) -> date:
        if self.view == "month":
            return add_days(self.start, -1).replace(day=1)
        return add_days(self.start, -self.days)

    @property
    def following(self) -> date:
        return add_days(self.start, self.days)

    @property
    def heading(self) -> str:
        """What the page shows, in words: "Today and the next 7 days", a day, or a month."""
        if self.view == "month":
            return f"{self.start:%B %Y}"
        if self.view == "day":
            return f"{self.start:%A %b %-d, %Y}" + (" (today)" if self.start == self.today else "")
        if self.start == self.today:
            return f"Today and the next {self.days - 1} days"
        return f"{self.days} days from {self.start:%A %b %-d, %Y}"

    @property
    def span(self) -> str:
        """The first and last day, for the line under the heading."""
        if self.view != "upcoming":
            return ""
        return f"{self.start:%a %b %-d} to {self.last:%a %b %-d, %Y}"


@dataclass(frozen=True)
class Day:
    """One square of the month grid."""

    day: date
    in_month: bool
    count: int


@dataclass
class Page:
    """Everything the calendar template needs."""

    period: Period
    court_dates: list[CourtDate] = field(default_factory=list)
    weeks: list[list[Day]] = field(default_factory=list)
    total: int = 0
    weekdays: tuple[str, ...] = WEEKDAYS


def period(view: str, day: date, today: date) -> Period:
    """The period of `view` around `day`; an unknown view is the days-ahead view."""
    if view == "day":
        return Period("day", day, 1, today)
    if view == "month":
        first = day.replace(day=1)
        return Period("month", first, calendar.monthrange(first.year, first.month)[1], today)
    return Period("upcoming", day, UPCOMING_DAYS, today)


def counts_by_day(first: date, days: int) -> dict[date, int]:
    """How many court dates fall on each day (agency time) from `first` for `days` days."""
    begin = datetime.combine(first, datetime.min.time(), agency_zone())
    end = datetime.combine(add_days(first, days), datetime.min.time(), agency_zone())
    local_day = func.date(func.timezone(str(agency_zone()), CourtDate.starts_at))
    rows = db.session.execute(
        select(local_day, func.count())
        .where(CourtDate.starts_at >= begin, CourtDate.starts_at < end)
        .group_by(local_day)
    )
    return {day: count for day, count in rows}


def month_weeks(first: date, counts: dict[date, int]) -> list[list[Day]]:
    """The month's weeks, Sunday first, with the neighboring months' days marked as such."""
    grid = calendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    return [[Day(d, d.month == first.month, counts.get(d, 0)) for d in week] for week in grid]


def page(view: str, day: date) -> Page:
    """The calendar page for `view` around `day`, counted in the agency's time zone."""
    shown = Page(period(view, day, agency_today()))
    start, days = shown.period.start, shown.period.days
    if shown.period.view == "month":
        counts = counts_by_day(start, days)
        shown.weeks, shown.total = month_weeks(start, counts), sum(counts.values())
    else:
        shown.court_dates = between(start, days)
        shown.total = len(shown.court_dates)
    return shown
